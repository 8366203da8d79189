/**
 * The SignatureVerifier the gate policy calls: finds the subject's Notary Project signatures through
 * the OCI 1.1 referrers API (signature-specification.md "Signature Discovery"), reads each signature
 * manifest and envelope by digest within the byte limits, checks every digest against the bytes and
 * the manifest's subject against the asked-for digest, and verifies the envelope.
 * valid: one signature verifies; invalid: none does (every reason given); error: the registry or a
 * check we cannot perform stood in the way, so nothing can be concluded (fail closed).
 */
import { checkDigest, checkRepository } from '../oci/reference';
import { bytesMatchDigest, type OciDescriptor } from './descriptor';
import { MAX_ENVELOPE_BYTES, MAX_MANIFEST_BYTES, MAX_SIGNATURES_EXAMINED } from './limits';
import { NOTARY_SIGNATURE_ARTIFACT_TYPE, OCI_IMAGE_MANIFEST } from './mediaTypes';
import type { NotaryEnvelopeVerifier } from './notaryVerifier';
import type { ReferrerRegistry, SignatureSubject, SignatureVerdict, SignatureVerifier } from './ports';
import { parseSignatureManifest } from './signatureManifest';

type Attempt = { verdict: 'valid' | 'invalid' | 'error'; reason: string; signer: string | null; digest: string };

export class ReferrerNotarySignatureVerifier implements SignatureVerifier {
    constructor(private readonly registry: ReferrerRegistry, private readonly envelopes: NotaryEnvelopeVerifier) {}

    async verify(subject: SignatureSubject): Promise<SignatureVerdict> {
        const repository = checkRepository(subject.repository);
        const digest = checkDigest(subject.descriptor.digest);
        if (!repository.ok || !digest.ok) return { verdict: 'error', reason: `cannot verify: ${repository.ok ? '' : repository.reason}${digest.ok ? '' : digest.reason}`, signer: null };

        let referrers: OciDescriptor[];
        try {
            referrers = await this.registry.listReferrers(subject.repository, subject.descriptor.digest, NOTARY_SIGNATURE_ARTIFACT_TYPE);
        } catch (error) {
            return { verdict: 'error', reason: `listing the referrers of ${subject.descriptor.digest} failed: ${(error as Error).message}`, signer: null };
        }
        // A registry may ignore the artifactType filter (distribution-spec "Listing Referrers"): filter again.
        const signatures = referrers.filter((referrer) => referrer.artifactType === NOTARY_SIGNATURE_ARTIFACT_TYPE);
        if (signatures.length === 0) return { verdict: 'invalid', reason: `${subject.repository}@${subject.descriptor.digest} has no Notary Project signature`, signer: null };

        const attempts: Attempt[] = [];
        for (const referrer of signatures.slice(0, MAX_SIGNATURES_EXAMINED)) {
            const attempt = await this.verifyReferrer(subject, referrer);
            if (attempt.verdict === 'valid') return { verdict: 'valid', reason: attempt.reason, signer: attempt.signer, signatureDigest: attempt.digest };
            attempts.push(attempt);
        }
        const skipped = signatures.length > MAX_SIGNATURES_EXAMINED ? `; ${signatures.length - MAX_SIGNATURES_EXAMINED} more signatures not examined (limit ${MAX_SIGNATURES_EXAMINED})` : '';
        const reasons = attempts.map((attempt) => `${attempt.digest}: ${attempt.reason}`).join('; ') + skipped;
        const errored = attempts.some((attempt) => attempt.verdict === 'error');
        return { verdict: errored ? 'error' : 'invalid', reason: `no valid signature: ${reasons}`, signer: null };
    }

    private async verifyReferrer(subject: SignatureSubject, referrer: OciDescriptor): Promise<Attempt> {
        const at = referrer.digest;
        const invalid = (reason: string): Attempt => ({ verdict: 'invalid', reason, signer: null, digest: at });
        if (referrer.mediaType !== OCI_IMAGE_MANIFEST) return invalid(`the referrer is a ${referrer.mediaType}, not an OCI image manifest`);
        if (referrer.size > MAX_MANIFEST_BYTES) return invalid(`the signature manifest is ${referrer.size} bytes, more than the limit of ${MAX_MANIFEST_BYTES}`);
        let manifestBytes: Uint8Array;
        try {
            manifestBytes = await this.registry.fetchManifest(subject.repository, referrer.digest, MAX_MANIFEST_BYTES);
        } catch (error) {
            return { verdict: 'error', reason: `reading the signature manifest failed: ${(error as Error).message}`, signer: null, digest: at };
        }
        if (!bytesMatchDigest(manifestBytes, referrer.digest)) return invalid('the signature manifest\'s bytes do not match its digest');
        const manifest = parseSignatureManifest(manifestBytes);
        if (!manifest.ok) return invalid(manifest.reason);
        if (manifest.subject.digest !== subject.descriptor.digest) return invalid(`the signature manifest's subject is ${manifest.subject.digest}, not ${subject.descriptor.digest}`);
        if (manifest.envelope.size > MAX_ENVELOPE_BYTES) return invalid(`the signature envelope is ${manifest.envelope.size} bytes, more than the limit of ${MAX_ENVELOPE_BYTES}`);
        let envelope: Uint8Array;
        try {
            envelope = await this.registry.fetchBlob(subject.repository, manifest.envelope.digest, MAX_ENVELOPE_BYTES);
        } catch (error) {
            return { verdict: 'error', reason: `reading the signature envelope failed: ${(error as Error).message}`, signer: null, digest: at };
        }
        if (envelope.byteLength !== manifest.envelope.size || !bytesMatchDigest(envelope, manifest.envelope.digest)) return invalid('the signature envelope\'s bytes do not match its descriptor');
        const result = this.envelopes.verify({
            envelope,
            envelopeMediaType: manifest.envelope.mediaType,
            subject: subject.descriptor,
            repositoryUri: `${subject.registry}/${subject.repository}`,
        });
        return { verdict: result.verdict, reason: result.reason, signer: result.signer, digest: at };
    }
}
