import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_INDEX_CHILDREN, MAX_MANIFEST_BYTES, ManifestError, parseManifest } from '../../shared/oci/manifest';

// Real manifests, read in place: the OCI image-spec examples, the Notary Project signature manifests,
// a real notation OCI layout (e2e-valid-signature), and the body of ACR's GetManifest example.
const SHARED = path.resolve(__dirname, '../../../shared/fixtures');
const OWN = path.resolve(__dirname, '../fixtures/oci');
const shared = (p: string) => readFileSync(path.join(SHARED, p));
const own = (p: string) => readFileSync(path.join(OWN, p));
const LAYOUT = 'notation/notation-e2e/oci_layout/e2e-valid-signature';
const acrGetManifest = () => JSON.stringify(JSON.parse(shared('acr-http/dataplane/examples/2021-07-01/GetManifest.json').toString()).responses['200'].body);

describe('parseManifest: the four shapes', () => {
    it('an OCI image manifest with a subject (image-spec example)', () => {
        const m = parseManifest(shared('oci-referrers/image-spec/manifest-with-subject.example.json'));
        expect(m).toMatchObject({ shape: 'manifest', mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: null, annotations: { 'com.example.key1': 'value1' } });
        expect(m.shape === 'manifest' && m.layers).toHaveLength(3);
        expect(m.subject?.digest).toBe('sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270');
    });

    it('a Docker v2 schema 2 manifest (ACR GetManifest example)', () => {
        const m = parseManifest(acrGetManifest());
        expect(m).toMatchObject({ shape: 'manifest', mediaType: 'application/vnd.docker.distribution.manifest.v2+json', subject: null });
        expect(m.shape === 'manifest' && m.config.mediaType).toBe('application/vnd.docker.container.image.v1+json');
    });

    it('an OCI index without a mediaType field takes it from the Content-Type (notation referrers index)', () => {
        const m = parseManifest(shared(`${LAYOUT}/blobs/sha256/13e107e0dd246f07ff18998a3d39e226965c41477a1bc1765f7617632ff3f283`), 'application/vnd.oci.image.index.v1+json');
        expect(m.shape).toBe('index');
        expect(m.shape === 'index' && m.manifests[0]).toMatchObject({ artifactType: 'application/vnd.cncf.notary.signature', size: 728 });
    });

    it('an OCI layout index.json with neither mediaType nor Content-Type is read as an OCI index', () => {
        const m = parseManifest(shared(`${LAYOUT}/index.json`));
        expect(m).toMatchObject({ shape: 'index', mediaType: 'application/vnd.oci.image.index.v1+json' });
        expect(m.shape === 'index' && m.manifests).toHaveLength(3);
    });

    it('a Docker manifest list with os.version', () => {
        const m = parseManifest(own('docker-manifest-list.json'), 'application/vnd.docker.distribution.manifest.list.v2+json; charset=utf-8');
        expect(m.shape === 'index' && m.manifests.map((c) => c.platform?.['os.version'] ?? null)).toEqual([null, null, '10.0.17763.5122']);
    });
});

describe('parseManifest: refuses what is not a manifest, with the reason', () => {
    it('the distribution-spec referrers example (placeholder digests, trailing comma) is not JSON', () => {
        expect(() => parseManifest(shared('oci-referrers/distribution-spec/referrers-response.example.json'), null, 'referrers')).toThrow(/referrers is not JSON/);
    });

    it('placeholder digests are refused by path once the JSON is fixed', () => {
        const text = shared('oci-referrers/distribution-spec/referrers-response.example.json').toString().replace(/,(\s*[}\]])/g, '$1');
        const error = (() => {
            try {
                parseManifest(text);
            } catch (err) {
                return err as ManifestError;
            }
        })();
        expect(error).toBeInstanceOf(ManifestError);
        expect(error!.problems).toEqual([
            'manifests[0].digest: expected a digest such as "sha256:<64 hex digits>"',
            'manifests[1].digest: expected a digest such as "sha256:<64 hex digits>"',
            'manifests[2].digest: expected a digest such as "sha256:<64 hex digits>"',
        ]);
    });

    it.each([
        ['more than 4 MiB', () => parseManifest(' '.repeat(MAX_MANIFEST_BYTES + 1)), /more than the 4194304 bytes/],
        ['schema 1', () => parseManifest('{"schemaVersion":1,"name":"x","fsLayers":[]}'), /schema 1 manifest, which is not supported/],
        ['an array', () => parseManifest('[]'), /expected a JSON object/],
        ['a blob media type', () => parseManifest('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.layer.v1.tar"}'), /not an image manifest or index/],
        ['nothing to go by', () => parseManifest('{"schemaVersion":2}'), /neither config nor manifests/],
        ['a declared type the Content-Type contradicts', () => parseManifest(acrGetManifest(), 'application/vnd.oci.image.index.v1+json'), /says it is application\/vnd\.docker\.distribution\.manifest\.v2\+json but was served as application\/vnd\.oci\.image\.index\.v1\+json/],
        ['a negative size', () => parseManifest(acrGetManifest().replace('"size":5824', '"size":-1')), /config\.size/],
    ])('%s', (_name, parse, message) => {
        expect(parse).toThrow(ManifestError);
        expect(parse).toThrow(message);
    });

    it(`an index with more than ${MAX_INDEX_CHILDREN} children (each would be a scan) is refused`, () => {
        const child = JSON.parse(own('buildx-index.json').toString()).manifests[0];
        const big = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: Array.from({ length: MAX_INDEX_CHILDREN + 1 }, () => child) };
        expect(() => parseManifest(JSON.stringify(big))).toThrow(/manifests: expected at most 256 child manifests/);
    });
});
