/**
 * Signs a subject the Notary Project way (signature-specification.md, signature-envelope-jws.md):
 * payload `{targetArtifact}`, a protected header with scheme notary.x509, the signing time, `cty` and
 * `crit`, the certificate chain in `x5c`, signed by a RemoteSigner (Key Vault in Azure) over the
 * JWS Signing Input, and the signature manifest that makes it a referrer of the subject by digest.
 */
import { checkDigest } from '../oci/reference';
import { checkChainRequirements, checkValidityAt, parseChain } from './certificateChain';
import type { OciDescriptor } from './descriptor';
import { jwsSigningInput, protectedHeaderFor, serializeJwsEnvelope, toBase64Url } from './jwsEnvelope';
import { JWS_ENVELOPE } from './mediaTypes';
import { buildNotaryPayload } from './notaryPayload';
import type { RemoteSigner } from './ports';
import { algorithmForKey, digestForSigning, verifyRawSignature } from './signatureAlgorithm';
import { buildSignatureManifest, EMPTY_CONFIG, type OciManifest } from './signatureManifest';

export interface NotarySignature {
    /** The JWS envelope (application/jose+json): the signature manifest's only layer. */
    envelope: Uint8Array;
    envelopeDescriptor: OciDescriptor;
    /** The signature manifest, its bytes and descriptor: push it by this digest. */
    manifest: OciManifest;
    manifestBytes: Uint8Array;
    manifestDescriptor: OciDescriptor;
    /** The empty config blob the manifest names (the registry must have it). */
    config: { descriptor: OciDescriptor; bytes: Uint8Array };
}

export interface NotarySignerOptions {
    signer: RemoteSigner;
    /** Written to the unprotected header (informational; signature-specification.md "Unsigned Attributes"). */
    signingAgent?: string;
    now?: () => Date;
    /** Optional "best by use" time after the signing time, in seconds (signature-specification.md "Expiry"). */
    expirySeconds?: number;
}

export class NotarySigner {
    constructor(private readonly options: NotarySignerOptions) {}

    async sign(subject: Pick<OciDescriptor, 'mediaType' | 'digest' | 'size' | 'artifactType'>): Promise<NotarySignature> {
        const digestCheck = checkDigest(subject.digest);
        if (!digestCheck.ok) throw new TypeError(`cannot sign: ${digestCheck.reason}`);
        if (!Number.isSafeInteger(subject.size) || subject.size < 0) throw new TypeError(`cannot sign: size ${subject.size} is not a byte count`);

        const chainDer = await this.options.signer.certificateChain();
        const chain = parseChain(chainDer);
        if (!chain.ok) throw new Error(`cannot sign: ${chain.reason}`);
        // signature-specification.md "Certificate Requirements" apply at signing time too.
        const requirements = checkChainRequirements(chain.chain);
        if (!requirements.ok) throw new Error(`cannot sign: ${requirements.reason}`);
        const signingTime = new Date(Math.floor((this.options.now?.() ?? new Date()).getTime() / 1000) * 1000);
        const validity = checkValidityAt(chain.chain, signingTime);
        if (!validity.ok) throw new Error(`cannot sign: ${validity.reason}`);
        const leafKey = chain.chain[0]!.x509.publicKey;
        const algorithm = algorithmForKey(leafKey);
        if (!algorithm.ok) throw new Error(`cannot sign: ${algorithm.reason}`);

        const expiry = this.options.expirySeconds ? new Date(signingTime.getTime() + this.options.expirySeconds * 1000) : undefined;
        const protectedB64 = toBase64Url(Buffer.from(JSON.stringify(protectedHeaderFor(algorithm.algorithm, signingTime, expiry)), 'utf8'));
        const payloadB64 = toBase64Url(buildNotaryPayload({ mediaType: subject.mediaType, digest: subject.digest, size: subject.size, ...(subject.artifactType ? { artifactType: subject.artifactType } : {}) }));
        const signingInput = jwsSigningInput(protectedB64, payloadB64);
        const signature = await this.options.signer.sign({ signingInput, digest: digestForSigning(algorithm.algorithm, signingInput), algorithm: algorithm.algorithm });
        // Never publish a signature the certificate does not verify (a wrong key version in the vault, say).
        if (!verifyRawSignature(algorithm.algorithm, leafKey, signingInput, signature)) throw new Error('cannot sign: the remote signer returned a signature the signing certificate does not verify');

        const envelope = serializeJwsEnvelope({ protectedB64, payloadB64, signature, certificateChain: chainDer, ...(this.options.signingAgent ? { signingAgent: this.options.signingAgent } : {}) });
        const built = buildSignatureManifest({ subject, envelope, envelopeMediaType: JWS_ENVELOPE, certificateChain: chainDer, created: signingTime });
        return {
            envelope,
            envelopeDescriptor: built.manifest.layers[0]!,
            manifest: built.manifest,
            manifestBytes: built.bytes,
            manifestDescriptor: built.descriptor,
            config: { descriptor: { mediaType: EMPTY_CONFIG.mediaType, digest: EMPTY_CONFIG.digest, size: EMPTY_CONFIG.size }, bytes: Buffer.from('{}') },
        };
    }
}
