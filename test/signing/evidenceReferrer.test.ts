/**
 * Evidence referrers: our SARIF and CycloneDX referrer manifests have the shape of the image-spec's
 * artifact examples and of notation's real referrers data (../shared/fixtures/oci-referrers,
 * notation-e2e), carry Trivy's real reports (../shared/fixtures/cyclonedx-sarif), and are listed by
 * the referrers query of their subject.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { buildEvidenceReferrer, checkEvidenceContent, newestEvidence } from '../../shared/signing/evidenceReferrer';
import { CYCLONEDX_ARTIFACT_TYPE, NOTARY_SIGNATURE_ARTIFACT_TYPE, SARIF_ARTIFACT_TYPE } from '../../shared/signing/mediaTypes';
import { parseReferrersResponse } from '../../shared/signing/referrersIndex';
import { manifestSchema } from '../../shared/signing/signatureManifest';
import { MemoryReferrerRegistry } from '../support/memoryReferrerRegistry';

const FIXTURES = '../shared/fixtures';
const sarif = readFileSync(join(FIXTURES, 'cyclonedx-sarif/trivy/alpine-310.sarif.golden'));
const cyclonedx = readFileSync(join(FIXTURES, 'cyclonedx-sarif/trivy/fluentd-multiple-lockfiles-short.cdx.json.golden'));
const readJson = (path: string) => JSON.parse(readFileSync(join(FIXTURES, path), 'utf8')) as Record<string, unknown>;
const subject = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9', size: 517 };
const keysOf = (value: object) => Object.keys(value).sort();

describe('evidence referrer manifests', () => {
    test.each([[SARIF_ARTIFACT_TYPE, sarif], [CYCLONEDX_ARTIFACT_TYPE, cyclonedx]])('%s: the image-spec "artifact without config" shape plus subject and created', (artifactType, content) => {
        const created = new Date('2026-12-03T08:00:00Z');
        const built = buildEvidenceReferrer({ subject, artifactType: artifactType as typeof SARIF_ARTIFACT_TYPE, content, created });
        const example = readJson('oci-referrers/image-spec/artifact-without-config.example.json') as { config: object; layers: Array<object> };
        const withSubject = readJson('oci-referrers/image-spec/manifest-with-subject.example.json');
        const manifest = JSON.parse(Buffer.from(built.manifestBytes).toString('utf8')) as Record<string, unknown> & { layers: Array<Record<string, unknown>> };
        expect(manifestSchema.safeParse(manifest).success).toBe(true);
        expect(keysOf(manifest)).toEqual([...new Set([...keysOf(example), 'subject', 'annotations'])].sort());
        expect(keysOf(withSubject)).toEqual(expect.arrayContaining(['subject', 'annotations']));
        expect(manifest.config).toEqual(example.config);
        expect(keysOf(manifest.layers[0]!)).toEqual(keysOf(example.layers[0]!));
        expect(manifest).toMatchObject({ artifactType, subject, layers: [{ mediaType: artifactType, size: content.byteLength }], annotations: { 'org.opencontainers.image.created': '2026-12-03T08:00:00Z' } });
        expect(built.blobs.map((blob) => blob.descriptor.digest)).toEqual(['sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', (manifest.layers[0] as { digest: string }).digest]);
    });

    test('the referrers query of the subject lists the signature (notation e2e layout) and our SARIF and SBOM side by side, filtered by artifactType', async () => {
        const registry = MemoryReferrerRegistry.fromOciLayout(join(FIXTURES, 'notation/notation-e2e/oci_layout/e2e-valid-signature'));
        for (const [artifactType, content] of [[SARIF_ARTIFACT_TYPE, sarif], [CYCLONEDX_ARTIFACT_TYPE, cyclonedx]] as const) {
            const built = buildEvidenceReferrer({ subject, artifactType, content, created: new Date() });
            for (const blob of built.blobs) await registry.pushBlob('e2e', blob.descriptor.digest, blob.bytes);
            await registry.pushManifest('e2e', built.manifestDescriptor.digest, built.manifestDescriptor.mediaType, built.manifestBytes);
        }
        const all = await registry.listReferrers('e2e', subject.digest);
        expect(all.map((referrer) => referrer.artifactType).sort()).toEqual([NOTARY_SIGNATURE_ARTIFACT_TYPE, SARIF_ARTIFACT_TYPE, CYCLONEDX_ARTIFACT_TYPE].sort());
        expect(await registry.listReferrers('e2e', subject.digest, SARIF_ARTIFACT_TYPE)).toHaveLength(1);
        // notation's own referrers-tag index (the referrers response it would get) has the same descriptor shape as ours.
        const notationIndex = readFileSync(join(FIXTURES, 'notation/notation-e2e/oci_layout/e2e-valid-signature/blobs/sha256/13e107e0dd246f07ff18998a3d39e226965c41477a1bc1765f7617632ff3f283'));
        const parsed = parseReferrersResponse(notationIndex);
        if (!parsed.ok) throw new Error(parsed.reason);
        expect(keysOf(parsed.referrers[0]!)).toEqual(keysOf(all.find((referrer) => referrer.artifactType === SARIF_ARTIFACT_TYPE)!));
    });

    test('a rescan attaches a fresh report; the newest is found by its created annotation', async () => {
        const registry = new MemoryReferrerRegistry();
        for (const created of ['2026-12-01T00:00:00Z', '2026-12-03T00:00:00Z', '2026-12-02T00:00:00Z']) {
            const built = buildEvidenceReferrer({ subject, artifactType: SARIF_ARTIFACT_TYPE, content: sarif, created: new Date(created) });
            await registry.pushManifest('live/app', built.manifestDescriptor.digest, built.manifestDescriptor.mediaType, built.manifestBytes);
        }
        const newest = newestEvidence(await registry.listReferrers('live/app', subject.digest), SARIF_ARTIFACT_TYPE);
        expect(newest?.created.toISOString()).toBe('2026-12-03T00:00:00.000Z');
        expect(newestEvidence([], CYCLONEDX_ARTIFACT_TYPE)).toBeNull();
    });

    test('a report that is not what its media type says is refused, as is a subject named by tag', () => {
        expect(checkEvidenceContent(SARIF_ARTIFACT_TYPE, cyclonedx)).toMatch(/^the content is not a SARIF 2.1.0 log/);
        expect(checkEvidenceContent(CYCLONEDX_ARTIFACT_TYPE, sarif)).toMatch(/^the content is not a CycloneDX 1.x BOM/);
        expect(() => buildEvidenceReferrer({ subject: { ...subject, digest: 'v1' }, artifactType: SARIF_ARTIFACT_TYPE, content: sarif, created: new Date() })).toThrow(/cannot attach evidence: digest "v1"/);
    });
});

describe('referrers responses', () => {
    test('the distribution-spec example (placeholder digests, trailing comma) is rejected with a reason', () => {
        const parsed = parseReferrersResponse(readFileSync(join(FIXTURES, 'oci-referrers/distribution-spec/referrers-response.example.json')));
        expect(parsed).toMatchObject({ ok: false, reason: expect.stringMatching(/^the referrers response is not (JSON|an OCI image index)/) });
    });

    test('the image-spec example manifests parse with the manifest schema', () => {
        for (const file of ['manifest-with-subject', 'artifact-minimal', 'artifact-without-config', 'artifact-with-config']) {
            expect(manifestSchema.safeParse(readJson(`oci-referrers/image-spec/${file}.example.json`)).success).toBe(true);
        }
    });

    test('an artifactType filter the registry ignored is applied again', () => {
        const index = readFileSync(join(FIXTURES, 'notation/notation-e2e/oci_layout/e2e-valid-signature/blobs/sha256/13e107e0dd246f07ff18998a3d39e226965c41477a1bc1765f7617632ff3f283'));
        expect(parseReferrersResponse(index, SARIF_ARTIFACT_TYPE)).toEqual({ ok: true, referrers: [] });
        expect(parseReferrersResponse(index, NOTARY_SIGNATURE_ARTIFACT_TYPE)).toMatchObject({ ok: true, referrers: [{ digest: 'sha256:90ceaff260d657d797c408ac73564a9c7bb9d86055877c2a811f0e63b8c6524f' }] });
    });
});
