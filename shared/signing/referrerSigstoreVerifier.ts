/**
 * The SignatureVerifier for Sigstore bundles stored as OCI 1.1 referrers of the image (what
 * `cosign sign --new-bundle-format` / `cosign attest` push: an artifact manifest of type
 * application/vnd.dev.sigstore.bundle.v0.3+json whose one layer is the bundle). A DSSE in-toto
 * bundle must name the image digest as a subject; a message signature must be over the image's
 * manifest bytes, which are read (by digest, within the limit) and checked against the digest first.
 */
import { checkDigest, checkRepository } from '../oci/reference';
import { bytesMatchDigest, type OciDescriptor } from './descriptor';
import { MAX_MANIFEST_BYTES, MAX_SIGNATURES_EXAMINED, MAX_SIGSTORE_BUNDLE_BYTES } from './limits';
import { OCI_IMAGE_MANIFEST, SIGSTORE_BUNDLE_ARTIFACT_TYPES } from './mediaTypes';
import type { ReferrerRegistry, SignatureSubject, SignatureVerdict, SignatureVerifier } from './ports';
import { manifestSchema } from './signatureManifest';
import type { SigstoreBundleVerifier, SigstoreSignerPolicy } from './sigstoreBundleVerifier';

const BUNDLE_TYPES = new Set<string>(SIGSTORE_BUNDLE_ARTIFACT_TYPES);

export class ReferrerSigstoreSignatureVerifier implements SignatureVerifier {
    constructor(
        private readonly registry: ReferrerRegistry,
        private readonly bundles: SigstoreBundleVerifier,
        /** Trusted signers: any one of them is enough. */
        private readonly signers: SigstoreSignerPolicy[],
    ) {}

    async verify(subject: SignatureSubject): Promise<SignatureVerdict> {
        const repository = checkRepository(subject.repository);
        const digest = checkDigest(subject.descriptor.digest);
        if (!repository.ok || !digest.ok) return { verdict: 'error', reason: `cannot verify: ${repository.ok ? '' : repository.reason}${digest.ok ? '' : digest.reason}`, signer: null };
        let referrers: OciDescriptor[];
        try {
            referrers = await this.registry.listReferrers(subject.repository, subject.descriptor.digest);
        } catch (error) {
            return { verdict: 'error', reason: `listing the referrers of ${subject.descriptor.digest} failed: ${(error as Error).message}`, signer: null };
        }
        const candidates = referrers.filter((referrer) => BUNDLE_TYPES.has(referrer.artifactType ?? ''));
        if (candidates.length === 0) return { verdict: 'invalid', reason: `${subject.repository}@${subject.descriptor.digest} has no Sigstore bundle`, signer: null };
        const reasons: string[] = [];
        let errored = false;
        let imageManifest: Uint8Array | undefined;
        for (const referrer of candidates.slice(0, MAX_SIGNATURES_EXAMINED)) {
            try {
                if (referrer.mediaType !== OCI_IMAGE_MANIFEST || referrer.size > MAX_MANIFEST_BYTES) {
                    reasons.push(`${referrer.digest}: not an OCI image manifest within ${MAX_MANIFEST_BYTES} bytes`);
                    continue;
                }
                const manifestBytes = await this.registry.fetchManifest(subject.repository, referrer.digest, MAX_MANIFEST_BYTES);
                if (!bytesMatchDigest(manifestBytes, referrer.digest)) {
                    reasons.push(`${referrer.digest}: the manifest's bytes do not match its digest`);
                    continue;
                }
                const manifest = manifestSchema.safeParse(JSON.parse(Buffer.from(manifestBytes).toString('utf8')));
                const layer = manifest.success && manifest.data.layers.length === 1 ? manifest.data.layers[0]! : undefined;
                if (!manifest.success || !layer || manifest.data.subject?.digest !== subject.descriptor.digest) {
                    reasons.push(`${referrer.digest}: not a one-layer bundle manifest whose subject is ${subject.descriptor.digest}`);
                    continue;
                }
                if (layer.size > MAX_SIGSTORE_BUNDLE_BYTES) {
                    reasons.push(`${referrer.digest}: the bundle is ${layer.size} bytes, more than the limit of ${MAX_SIGSTORE_BUNDLE_BYTES}`);
                    continue;
                }
                const bundle = await this.registry.fetchBlob(subject.repository, layer.digest, MAX_SIGSTORE_BUNDLE_BYTES);
                if (!bytesMatchDigest(bundle, layer.digest)) {
                    reasons.push(`${referrer.digest}: the bundle's bytes do not match its digest`);
                    continue;
                }
                // Which subject to hand over; the bundle verifier re-checks it, so a wrong guess only fails.
                const isDsse = isDsseBundle(bundle);
                if (!isDsse && !imageManifest) {
                    imageManifest = await this.registry.fetchManifest(subject.repository, subject.descriptor.digest, MAX_MANIFEST_BYTES);
                    if (!bytesMatchDigest(imageManifest, subject.descriptor.digest)) return { verdict: 'error', reason: `the registry served other bytes for ${subject.descriptor.digest}`, signer: null };
                }
                for (const signer of this.signers) {
                    const result = this.bundles.verify(bundle, isDsse ? { digest: subject.descriptor.digest } : { artifact: imageManifest! }, signer);
                    if (result.verdict === 'valid') return { ...result, signatureDigest: referrer.digest };
                    errored ||= result.verdict === 'error';
                    reasons.push(`${referrer.digest}: ${result.reason}`);
                }
            } catch (error) {
                errored = true;
                reasons.push(`${referrer.digest}: reading it failed: ${(error as Error).message}`);
            }
        }
        return { verdict: errored ? 'error' : 'invalid', reason: `no valid Sigstore bundle: ${reasons.join('; ')}`, signer: null };
    }
}

function isDsseBundle(bytes: Uint8Array): boolean {
    try {
        return (JSON.parse(Buffer.from(bytes).toString('utf8')) as { dsseEnvelope?: unknown }).dsseEnvelope !== undefined;
    } catch {
        return false;
    }
}
