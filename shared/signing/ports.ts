/**
 * The ports the signing and verification modules need from the app. Nothing here touches the
 * network: the app wires Azure Key Vault behind RemoteSigner and ACR's data plane behind
 * ReferrerRegistry.
 */
import type { OciDescriptor } from './descriptor';

/** JWS names of the signature algorithms the Notary Project allows (signature-envelope-jws.md "Supported alg header values"). */
export type NotaryAlgorithm = 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512';

export interface SigningRequest {
    /** The bytes to sign: the ASCII JWS Signing Input (signature-envelope-jws.md "Create the JWS Signing Input"). */
    signingInput: Uint8Array;
    /** Their digest with the algorithm's hash: what Key Vault's `sign` operation takes as `value`. */
    digest: Uint8Array;
    algorithm: NotaryAlgorithm;
}

/**
 * A key that signs without handing its private key to the app. In Azure: Key Vault's
 * `POST {vault}/keys/{name}/{version}/sign` with `{ alg, value: base64url(digest) }` through managed
 * identity, and the certificate (with its chain) from `GET {vault}/certificates/{name}`.
 * The signature comes back raw: RSASSA-PSS bytes, or ECDSA as r||s (the JWS and COSE form).
 */
export interface RemoteSigner {
    /** The signing certificate first, then intermediates, then the root, each DER. */
    certificateChain(): Promise<Uint8Array[]>;
    sign(request: SigningRequest): Promise<Uint8Array>;
}

/**
 * The OCI 1.1 data plane the referrers live in (distribution-spec "Listing Referrers",
 * `GET /v2/<name>/referrers/<digest>?artifactType=...`). By digest only, never by tag.
 */
export interface ReferrerRegistry {
    /** The referrers of a digest: the `manifests` of the image index the API returns (every page). */
    listReferrers(repository: string, subjectDigest: string, artifactType?: string): Promise<OciDescriptor[]>;
    /** A manifest's raw bytes; the adapter must stop reading after maxBytes and throw. */
    fetchManifest(repository: string, digest: string, maxBytes: number): Promise<Uint8Array>;
    /** A blob's raw bytes; the adapter must stop reading after maxBytes and throw. */
    fetchBlob(repository: string, digest: string, maxBytes: number): Promise<Uint8Array>;
    /** Upload a blob (monolithic POST+PUT); idempotent: an existing blob is not an error. */
    pushBlob(repository: string, digest: string, bytes: Uint8Array): Promise<void>;
    /** PUT a manifest by its digest (never a tag); the registry indexes it as a referrer of its subject. */
    pushManifest(repository: string, digest: string, mediaType: string, bytes: Uint8Array): Promise<void>;
}

/** The image the gate asks about: where it is, and exactly which manifest. */
export interface SignatureSubject {
    /** Login server, e.g. `myregistry.azurecr.io`: trust policies scope by `registry/repository`. */
    registry: string;
    repository: string;
    descriptor: Pick<OciDescriptor, 'mediaType' | 'digest' | 'size'>;
}

export type SignatureVerdictKind = 'valid' | 'invalid' | 'error';

export interface SignatureVerdict {
    /** valid: a trusted signature over exactly this subject; invalid: none (reason says why); error: could not tell (fail closed). */
    verdict: SignatureVerdictKind;
    reason: string;
    /** Who signed, for a valid verdict: the signing certificate's subject DN or the Sigstore identity. */
    signer: string | null;
    /** The referrer (signature manifest) that carried the valid signature. */
    signatureDigest?: string;
}

/** What the gate policy calls: is this subject signed by someone we trust? */
export interface SignatureVerifier {
    verify(subject: SignatureSubject): Promise<SignatureVerdict>;
}
