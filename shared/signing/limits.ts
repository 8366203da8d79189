/**
 * Byte and count limits on everything the verifier reads from a registry. Anything larger is
 * rejected with its reason before it is parsed, so a hostile referrer cannot exhaust memory.
 *
 * - A manifest: 4 MiB, the limit the OCI distribution spec ("Pushing Manifests") lets registries
 *   enforce and the one ACR and containerd apply.
 * - A signature envelope: 256 KiB. Real notation envelopes are 2-11 KiB (the fixtures: 2,070 bytes
 *   for a one-certificate JWS, 10,314 bytes with an RFC 3161 countersignature); a chain of five
 *   4096-bit certificates with a timestamp stays under 40 KiB.
 * - A Sigstore bundle: 256 KiB for the same reasons (the conformance bundles are 4-9 KiB).
 * - A referrers response: 4 MiB (it is an image index) and at most 64 candidate signatures per
 *   subject are examined, so a registry cannot make one verification unbounded.
 * - A certificate chain: at most 10 certificates.
 */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
export const MAX_ENVELOPE_BYTES = 256 * 1024;
export const MAX_SIGSTORE_BUNDLE_BYTES = 256 * 1024;
export const MAX_REFERRERS_RESPONSE_BYTES = 4 * 1024 * 1024;
export const MAX_SIGNATURES_EXAMINED = 64;
export const MAX_CERTIFICATE_CHAIN_LENGTH = 10;
