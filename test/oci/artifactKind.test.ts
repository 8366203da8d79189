import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyManifest } from '../../shared/oci/artifactKind';
import { planIndex } from '../../shared/oci/indexChildren';
import { parseManifest, type ImageIndex } from '../../shared/oci/manifest';
import { mediaTypeShape } from '../../shared/oci/mediaTypes';

const SHARED = path.resolve(__dirname, '../../../shared/fixtures');
const OWN = path.resolve(__dirname, '../fixtures/oci');
const LAYOUT = 'notation/notation-e2e/oci_layout/e2e-valid-signature';
const shared = (p: string, contentType: string | null = null) => parseManifest(readFileSync(path.join(SHARED, p)), contentType, p);
const own = (p: string) => parseManifest(readFileSync(path.join(OWN, p)), null, p);
const acrGetManifest = () => parseManifest(JSON.stringify(JSON.parse(readFileSync(path.join(SHARED, 'acr-http/dataplane/examples/2021-07-01/GetManifest.json'), 'utf8')).responses['200'].body));
const AMD64 = 'sha256:5861314d7fccb39c2192173240eab44fa35ca66426201ca2acd0630a6258dd51';
const ARM64 = 'sha256:f69162950f235e3cdbbad33f1f912d1a504be90d8a37d002c735d6f3e3882265';

describe('classifyManifest', () => {
    it.each([
        ['ACR GetManifest (Docker v2)', () => acrGetManifest(), 'image', null, null],
        ['image-spec manifest-with-subject: runnable, so an image even with a subject', () => shared('oci-referrers/image-spec/manifest-with-subject.example.json'), 'image', null, 'sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270'],
        ['image-spec minimal artifact', () => shared('oci-referrers/image-spec/artifact-minimal.example.json'), 'artifact', 'application/vnd.example+type', null],
        ['image-spec artifact with config', () => shared('oci-referrers/image-spec/artifact-with-config.example.json'), 'artifact', 'application/vnd.example+type', null],
        ['Notary signature (artifactType)', () => shared('notation/specifications/signature-manifest.artifactType.json'), 'signature', 'application/vnd.cncf.notary.signature', 'sha256:73c803930ea3ba1e54bc25c2bdc53edd0284c62ed651fe7b00369da519a3c333'],
        ['Notary signature (legacy config media type)', () => shared('notation/specifications/signature-manifest.legacy-config-mediatype.json'), 'signature', 'application/vnd.cncf.notary.signature', 'sha256:73c803930ea3ba1e54bc25c2bdc53edd0284c62ed651fe7b00369da519a3c333'],
        ['notation e2e signature manifest', () => shared(`${LAYOUT}/blobs/sha256/90ceaff260d657d797c408ac73564a9c7bb9d86055877c2a811f0e63b8c6524f`), 'signature', 'application/vnd.cncf.notary.signature', 'sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9'],
        ['notation e2e signed artifact (vnd.notation.config)', () => shared(`${LAYOUT}/blobs/sha256/b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9`), 'artifact', 'application/vnd.notation.config', null],
        ['notation e2e referrers index', () => shared(`${LAYOUT}/blobs/sha256/13e107e0dd246f07ff18998a3d39e226965c41477a1bc1765f7617632ff3f283`), 'index', null, null],
        ['buildx index', () => own('buildx-index.json'), 'index', null, null],
        ['Docker manifest list', () => own('docker-manifest-list.json'), 'index', null, null],
        ['buildx attestation manifest (in-toto layers)', () => own('buildx-attestation-manifest.json'), 'attestation', null, null],
        ['Helm chart', () => own('helm-chart-manifest.json'), 'helm-chart', 'application/vnd.cncf.helm.config.v1+json', null],
        ['cosign signature (.sig tag)', () => own('cosign-signature-manifest.json'), 'signature', null, null],
        ['SPDX SBOM referrer', () => own('sbom-referrer-manifest.json'), 'sbom', 'application/spdx+json', AMD64],
        ['a runnable image that claims to be a Notary signature is an image', () => own('disguised-image-referrer.json'), 'image', 'application/vnd.cncf.notary.signature', AMD64],
    ])('%s → %s', (_name, load, kind, artifactType, subject) => {
        const c = classifyManifest(load());
        expect(c.kind).toBe(kind);
        expect(c.artifactType).toBe(artifactType);
        expect(c.subject?.digest ?? null).toBe(subject);
        expect(c.why).not.toBe('');
    });

    it('a cosign 2.x Sigstore bundle is a signature, or an attestation when it names a predicate type', () => {
        const bundle = (annotations: Record<string, string>) =>
            classifyManifest(
                parseManifest(
                    JSON.stringify({
                        schemaVersion: 2,
                        mediaType: 'application/vnd.oci.image.manifest.v1+json',
                        artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
                        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 },
                        layers: [{ mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', digest: ARM64, size: 4000 }],
                        subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: AMD64, size: 1054 },
                        annotations,
                    }),
                ),
            ).kind;
        expect(bundle({})).toBe('signature');
        expect(bundle({ 'dev.sigstore.bundle.predicateType': 'https://slsa.dev/provenance/v1' })).toBe('attestation');
    });
});

describe('planIndex', () => {
    it('buildx: platform children to scan, unknown/unknown attestation entries recorded with the image they describe', () => {
        expect(planIndex(own('buildx-index.json') as ImageIndex)).toEqual({
            images: [
                { digest: AMD64, mediaType: 'application/vnd.oci.image.manifest.v1+json', platform: 'linux/amd64' },
                { digest: ARM64, mediaType: 'application/vnd.oci.image.manifest.v1+json', platform: 'linux/arm64/v8' },
            ],
            attestations: [
                { digest: expect.stringMatching(/^sha256:/), describes: AMD64 },
                { digest: expect.stringMatching(/^sha256:/), describes: ARM64 },
            ],
            unsupported: [],
        });
    });

    it('Docker manifest list: every platform, Windows included', () => {
        expect(planIndex(own('docker-manifest-list.json') as ImageIndex).images.map((c) => c.platform)).toEqual(['linux/amd64', 'linux/arm/v7', 'windows/amd64']);
    });

    it('an attestation entry that names a real platform, or describes nothing in the index, is not trusted', () => {
        const index = JSON.parse(readFileSync(path.join(OWN, 'buildx-index.json'), 'utf8'));
        index.manifests[2].platform = { os: 'linux', architecture: 'amd64' };
        index.manifests[3].annotations['vnd.docker.reference.digest'] = 'sha256:' + '9'.repeat(64);
        const plan = planIndex(parseManifest(JSON.stringify(index)) as ImageIndex);
        expect(plan.images).toHaveLength(2);
        expect(plan.attestations).toEqual([]);
        expect(plan.unsupported.map((u) => u.reason)).toEqual(['attestation entry names a real platform: not trusted as an attestation', 'attestation entry describes no image of this index']);
    });

    it('the notation referrers index and OCI layout: artifacts and nested indexes are unsupported, never scanned as platforms', () => {
        const referrers = planIndex(shared(`${LAYOUT}/blobs/sha256/13e107e0dd246f07ff18998a3d39e226965c41477a1bc1765f7617632ff3f283`, 'application/vnd.oci.image.index.v1+json') as ImageIndex);
        expect(referrers.images).toEqual([]);
        expect(referrers.unsupported).toEqual([{ digest: 'sha256:90ceaff260d657d797c408ac73564a9c7bb9d86055877c2a811f0e63b8c6524f', mediaType: 'application/vnd.oci.image.manifest.v1+json', reason: 'child is an artifact ("application/vnd.cncf.notary.signature"), not a platform image' }]);
        const layout = planIndex(shared(`${LAYOUT}/index.json`) as ImageIndex);
        expect(layout.images.map((c) => [c.digest.slice(0, 15), c.platform])).toEqual([['sha256:b8479de3', null], ['sha256:90ceaff2', null]]);
        expect(layout.unsupported.map((u) => u.reason)).toEqual(['a nested index is not judged']);
    });
});

describe('mediaTypeShape (an event\'s target.mediaType)', () => {
    it('reads the real distribution push envelope and ACR chart events', () => {
        const envelope = JSON.parse(readFileSync(path.join(SHARED, 'distribution/distribution-push-envelope-3-events.json'), 'utf8'));
        expect(envelope.events.map((e: { target: { mediaType: string } }) => mediaTypeShape(e.target.mediaType))).toEqual(['manifest', 'blob', 'blob']);
        const chart = JSON.parse(readFileSync(path.join(SHARED, 'eventgrid/rest-api-specs/event-grid-schema/chart_pushed.json'), 'utf8'));
        expect(mediaTypeShape(chart.data.target.mediaType)).toBe('helm-legacy');
    });

    it.each([
        ['application/vnd.oci.image.index.v1+json', 'index'],
        ['application/vnd.docker.distribution.manifest.list.v2+json; charset=utf-8', 'index'],
        ['application/vnd.oci.image.manifest.v1+json', 'manifest'],
        ['application/vnd.cncf.notary.signature', 'unknown'],
        [null, 'unknown'],
    ])('%j → %s', (type, shape) => {
        expect(mediaTypeShape(type)).toBe(shape);
    });
});
