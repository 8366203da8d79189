/**
 * Sigstore bundles found as referrers of a subject, and the gate's any-of criterion over Notary
 * Project and Sigstore. The conformance bundles sign a.txt; here a.txt's digest stands in for the
 * subject digest (for the message-signature bundle, a.txt is the subject's manifest bytes).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { AnySignatureVerifier } from '../../shared/signing/anySignatureVerifier';
import { describe as describeBytes } from '../../shared/signing/descriptor';
import { OCI_IMAGE_MANIFEST } from '../../shared/signing/mediaTypes';
import { NotaryEnvelopeVerifier } from '../../shared/signing/notaryVerifier';
import type { SignatureSubject } from '../../shared/signing/ports';
import { ReferrerNotarySignatureVerifier } from '../../shared/signing/referrerSignatureVerifier';
import { ReferrerSigstoreSignatureVerifier } from '../../shared/signing/referrerSigstoreVerifier';
import { EMPTY_CONFIG } from '../../shared/signing/signatureManifest';
import { SigstoreBundleVerifier, type SigstoreSignerPolicy } from '../../shared/signing/sigstoreBundleVerifier';
import { parseTrustPolicy } from '../../shared/signing/trustPolicy';
import { TrustStore } from '../../shared/signing/trustStore';
import { MemoryReferrerRegistry } from '../support/memoryReferrerRegistry';

const SIGSTORE = '../shared/fixtures/sigstore';
const artifact = readFileSync(join(SIGSTORE, 'conformance/a.txt'));
const subject: SignatureSubject = { registry: 'guarded.azurecr.io', repository: 'quarantine/app', descriptor: describeBytes(artifact, OCI_IMAGE_MANIFEST) };
const bundles = new SigstoreBundleVerifier({ trustedRoot: JSON.parse(readFileSync(join(SIGSTORE, 'public-good/trusted_root.json'), 'utf8')) });
const publisher: SigstoreSignerPolicy = {
    kind: 'identity',
    subjectAlternativeName: 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main',
    issuer: 'https://token.actions.githubusercontent.com',
};

async function withBundle(caseName: string, options: { subjectDigest?: string; asImage?: boolean } = {}) {
    const registry = new MemoryReferrerRegistry();
    const bundle = readFileSync(join(SIGSTORE, 'conformance', caseName, 'bundle.sigstore.json'));
    const layer = describeBytes(bundle, 'application/vnd.dev.sigstore.bundle.v0.3+json');
    const manifest = Buffer.from(JSON.stringify({
        schemaVersion: 2, mediaType: OCI_IMAGE_MANIFEST, artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
        config: EMPTY_CONFIG, layers: [layer], subject: { ...subject.descriptor, digest: options.subjectDigest ?? subject.descriptor.digest },
    }));
    await registry.pushBlob(subject.repository, layer.digest, bundle);
    await registry.pushManifest(subject.repository, `sha256:${createHash('sha256').update(manifest).digest('hex')}`, OCI_IMAGE_MANIFEST, manifest);
    if (options.asImage !== false) await registry.pushManifest(subject.repository, subject.descriptor.digest, OCI_IMAGE_MANIFEST, artifact);
    return registry;
}

describe('ReferrerSigstoreSignatureVerifier', () => {
    test.each(['happy-path-intoto-in-dsse-v3', 'happy-path-v0.3'])('%s attached as a referrer verifies for its subject', async (caseName) => {
        const registry = await withBundle(caseName);
        const result = await new ReferrerSigstoreSignatureVerifier(registry, bundles, [publisher]).verify(subject);
        expect(result).toMatchObject({ verdict: 'valid', signer: `${publisher.subjectAlternativeName} (issuer ${publisher.issuer})` });
    });

    test('a trusted signer list without the publisher: invalid', async () => {
        const registry = await withBundle('happy-path-intoto-in-dsse-v3');
        const result = await new ReferrerSigstoreSignatureVerifier(registry, bundles, [{ ...publisher, subjectAlternativeName: 'https://example.com/other' }]).verify(subject);
        expect(result.verdict).toBe('invalid');
    });

    test('message-digest-mismatch_fail as a referrer: invalid', async () => {
        const registry = await withBundle('message-digest-mismatch_fail');
        await expect(new ReferrerSigstoreSignatureVerifier(registry, bundles, [publisher]).verify(subject)).resolves.toMatchObject({ verdict: 'invalid', reason: expect.stringContaining('messageDigest is not the artifact') });
    });

    test('no bundle: invalid; a registry that fails: error', async () => {
        await expect(new ReferrerSigstoreSignatureVerifier(new MemoryReferrerRegistry(), bundles, [publisher]).verify(subject)).resolves.toMatchObject({ verdict: 'invalid', reason: expect.stringMatching(/has no Sigstore bundle/) });
        const failing = await withBundle('happy-path-v0.3');
        failing.failWith = new Error('connection reset');
        await expect(new ReferrerSigstoreSignatureVerifier(failing, bundles, [publisher]).verify(subject)).resolves.toMatchObject({ verdict: 'error' });
    });
});

describe('AnySignatureVerifier (the gate criterion)', () => {
    const notary = (registry: MemoryReferrerRegistry) => new ReferrerNotarySignatureVerifier(registry, new NotaryEnvelopeVerifier({
        trustPolicy: parseTrustPolicy({ version: '1.0', trustPolicies: [{ name: 'gate', registryScopes: ['*'], signatureVerification: { level: 'strict' }, trustStores: ['ca:e2e'], trustedIdentities: ['*'] }] }),
        trustStore: new TrustStore().add('ca', 'e2e', [readFileSync('../shared/fixtures/notation/notation-e2e/localkeys/e2e.crt', 'utf8')]),
    }));

    test('no Notary signature but a valid Sigstore bundle: valid', async () => {
        const registry = await withBundle('happy-path-intoto-in-dsse-v3');
        await expect(new AnySignatureVerifier([notary(registry), new ReferrerSigstoreSignatureVerifier(registry, bundles, [publisher])]).verify(subject)).resolves.toMatchObject({ verdict: 'valid' });
    });

    test('neither: invalid with both reasons', async () => {
        const registry = new MemoryReferrerRegistry();
        const result = await new AnySignatureVerifier([notary(registry), new ReferrerSigstoreSignatureVerifier(registry, bundles, [publisher])]).verify(subject);
        expect(result.verdict).toBe('invalid');
        expect(result.reason).toMatch(/has no Notary Project signature; .*has no Sigstore bundle/);
    });

    test('a verifier that throws counts as error, never valid', async () => {
        const result = await new AnySignatureVerifier([{ verify: () => Promise.reject(new Error('boom')) }, notary(new MemoryReferrerRegistry())]).verify(subject);
        expect(result).toMatchObject({ verdict: 'error', reason: expect.stringContaining('the verifier failed: boom') });
    });
});
