/**
 * Sigstore (cosign) bundle verification with the maintained sigstore-js libraries, offline: the
 * trusted root (Fulcio CAs, Rekor logs, CT logs, TSAs) is configuration, never fetched here.
 * @sigstore/bundle validates the bundle shape, @sigstore/verify checks the signature, the
 * certificate chain to the root, the transparency log entries and timestamps, and the signer's
 * identity (SAN and OIDC issuer) or a pinned public key.
 *
 * What was signed must be what we asked about: a message signature is checked over the artifact's
 * bytes; a DSSE in-toto statement must name the artifact's (or the image's) sha256 among its
 * subjects (in-toto Statement v1 `subject[].digest`), which @sigstore/verify leaves to the caller.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { bundleFromJSON, isBundleWithDsseEnvelope, type Bundle } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { Verifier, toSignedEntity, toTrustMaterial, type TrustMaterial, type VerificationPolicy } from '@sigstore/verify';
import { MAX_SIGSTORE_BUNDLE_BYTES } from './limits';
import type { SignatureVerdict } from './ports';

export type SigstoreSignerPolicy =
    /** Keyless: the Fulcio certificate's SAN (e.g. a workflow URI) and OIDC issuer must match exactly. */
    | { kind: 'identity'; subjectAlternativeName: string; issuer: string }
    /** Managed key (cosign sign --key): the bundle must verify with this PEM public key. */
    | { kind: 'publicKey'; publicKeyPem: string };

/** What was signed: the artifact's bytes, or (DSSE in-toto only) its sha256 digest, e.g. an image manifest digest. */
export type SigstoreSubject = { artifact: Uint8Array } | { digest: string };

export interface SigstoreVerifierOptions {
    /** A `application/vnd.dev.sigstore.trustedroot+json` document (sigstore/protobuf-specs TrustedRoot). */
    trustedRoot: unknown;
    /** Minimum transparency log entries, SCTs and timestamps: 1 each, as cosign and sigstore-js require. */
    tlogThreshold?: number;
    ctlogThreshold?: number;
    timestampThreshold?: number;
}

const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export class SigstoreBundleVerifier {
    private readonly root: TrustedRoot;

    constructor(private readonly options: SigstoreVerifierOptions) {
        // Parsed once at start-up so a broken trusted root stops the app, not a verification.
        this.root = TrustedRoot.fromJSON(options.trustedRoot);
    }

    verify(bundleBytes: Uint8Array, subject: SigstoreSubject, policy: SigstoreSignerPolicy): SignatureVerdict {
        if (bundleBytes.byteLength > MAX_SIGSTORE_BUNDLE_BYTES) return invalid(`the Sigstore bundle is ${bundleBytes.byteLength} bytes, more than the limit of ${MAX_SIGSTORE_BUNDLE_BYTES}`);
        let bundle: Bundle;
        try {
            bundle = bundleFromJSON(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bundleBytes)));
        } catch (error) {
            return invalid(`the Sigstore bundle is malformed: ${(error as Error).message}`);
        }
        const subjectProblem = checkSubject(bundle, subject);
        if (subjectProblem) return invalid(subjectProblem);

        let trustMaterial: TrustMaterial;
        try {
            trustMaterial = toTrustMaterial(this.root, policy.kind === 'publicKey' ? pinnedKey(policy.publicKeyPem) : undefined);
        } catch (error) {
            return { verdict: 'error', reason: `the Sigstore trust material is unusable: ${(error as Error).message}`, signer: null };
        }
        const verifier = new Verifier(trustMaterial, {
            tlogThreshold: this.options.tlogThreshold ?? 1,
            ctlogThreshold: this.options.ctlogThreshold ?? 1,
            timestampThreshold: this.options.timestampThreshold ?? 1,
        });
        const identity: VerificationPolicy | undefined = policy.kind === 'identity'
            ? { subjectAlternativeName: policy.subjectAlternativeName, extensions: { issuer: policy.issuer } }
            : undefined;
        if (policy.kind === 'publicKey' && bundle.verificationMaterial.content.$case !== 'publicKey') return invalid('the bundle is signed with a certificate, but the policy pins a public key');
        if (policy.kind === 'identity' && bundle.verificationMaterial.content.$case === 'publicKey') return invalid('the bundle is signed with a bare public key, but the policy requires a certificate identity');
        try {
            const artifact = 'artifact' in subject && !isBundleWithDsseEnvelope(bundle) ? Buffer.from(subject.artifact) : undefined;
            const signer = verifier.verify(toSignedEntity(bundle, artifact), identity);
            const who = signer.identity?.subjectAlternativeName ? `${signer.identity.subjectAlternativeName} (issuer ${signer.identity.extensions?.issuer ?? 'unknown'})` : 'the pinned public key';
            return { verdict: 'valid', reason: `Sigstore bundle verified: signed by ${who}`, signer: who };
        } catch (error) {
            // VerificationError / PolicyError carry a code (e.g. TLOG_INCLUSION_PROOF_ERROR) and a message.
            const code = (error as { code?: string }).code;
            return invalid(`Sigstore verification failed${code ? ` (${code})` : ''}: ${(error as Error).message}`);
        }
    }
}

function invalid(reason: string): SignatureVerdict {
    return { verdict: 'invalid', reason, signer: null };
}

/** Every key hint resolves to the one configured key: the policy pins it, the bundle's hint does not choose it. */
function pinnedKey(pem: string) {
    const publicKey = createPublicKey(pem);
    return () => ({ publicKey, validFor: () => true });
}

function checkSubject(bundle: Bundle, subject: SigstoreSubject): string | null {
    const wanted = 'artifact' in subject ? createHash('sha256').update(subject.artifact).digest('hex') : subject.digest.replace(/^sha256:/, '');
    if (!/^[a-f0-9]{64}$/.test(wanted)) return `subject digest ${JSON.stringify('digest' in subject ? subject.digest : '')} is not a sha256 digest`;
    if (isBundleWithDsseEnvelope(bundle)) {
        const envelope = bundle.content.dsseEnvelope;
        if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) return `the DSSE payload type ${envelope.payloadType} is not ${IN_TOTO_PAYLOAD_TYPE}`;
        let statement: { subject?: Array<{ digest?: Record<string, string> }> };
        try {
            statement = JSON.parse(Buffer.from(envelope.payload).toString('utf8')) as typeof statement;
        } catch {
            return 'the DSSE payload is not an in-toto statement';
        }
        const subjects = statement.subject ?? [];
        return subjects.some((entry) => entry.digest?.sha256?.toLowerCase() === wanted)
            ? null
            : `the in-toto statement's subjects (${subjects.map((entry) => entry.digest?.sha256 ?? '?').join(', ')}) do not include sha256:${wanted}`;
    }
    if (!('artifact' in subject)) return 'a message-signature bundle can only be checked against the artifact\'s bytes, not a digest';
    if (bundle.content.$case !== 'messageSignature') return 'the bundle has neither a DSSE envelope nor a message signature';
    const digest = bundle.content.messageSignature.messageDigest;
    if (digest && Buffer.from(digest.digest).toString('hex') !== wanted) return `the bundle's messageDigest is not the artifact's sha256:${wanted}`;
    return null;
}
