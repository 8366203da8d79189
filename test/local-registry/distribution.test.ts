import { mkdtempSync, readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalRegistry, type LocalRegistry } from '../../local-registry/localRegistry';
import { buildImage, descriptor, manifestBlob, pushBlob, pushImage, putManifest, sha256 } from './ociImage';

/**
 * The local registry's OCI distribution API over plain HTTP, driven with fetch exactly as the
 * distribution spec describes a push and a pull (opencontainers/distribution-spec spec.md), with
 * a tiny real image built in the test.
 */

const referrersExample = readFileSync(resolve(__dirname, '../../../shared/fixtures/oci-referrers/distribution-spec/referrers-response.example.json'), 'utf8');

let registry: LocalRegistry;
let base: string;

beforeAll(async () => {
    registry = await startLocalRegistry({ azuriteConnectionString: inject('azuriteConnectionString'), httpPort: 0 });
    base = registry.httpUrl!;
});

afterAll(async () => {
    await registry?.close();
});

describe('push and pull over plain HTTP', () => {
    it('pushes a tiny real OCI image (monolithic and chunked blob uploads) and pulls it back byte for byte', async () => {
        const image = buildImage();
        const pushed = await pushImage(base, 'quarantine/tiny', 'v1', image);
        expect(pushed.status).toBe(201);
        expect(pushed.headers.get('docker-content-digest')).toBe(image.manifest.digest);
        expect(pushed.headers.get('location')).toBe(`${base}/v2/quarantine/tiny/manifests/${image.manifest.digest}`);

        for (const reference of ['v1', image.manifest.digest]) {
            const pulled = await fetch(`${base}/v2/quarantine/tiny/manifests/${reference}`, { headers: { Accept: image.manifest.mediaType } });
            expect(pulled.status).toBe(200);
            expect(pulled.headers.get('content-type')).toBe(image.manifest.mediaType);
            expect(pulled.headers.get('docker-content-digest')).toBe(image.manifest.digest);
            expect(Buffer.from(await pulled.arrayBuffer()).equals(image.manifest.bytes)).toBe(true);
        }
        const head = await fetch(`${base}/v2/quarantine/tiny/manifests/v1`, { method: 'HEAD' });
        expect(head.status).toBe(200);
        expect(head.headers.get('content-length')).toBe(String(image.manifest.bytes.length));
        for (const b of [image.config, ...image.layers]) {
            const pulled = await fetch(`${base}/v2/quarantine/tiny/blobs/${b.digest}`);
            expect(pulled.status).toBe(200);
            expect(pulled.headers.get('docker-content-digest')).toBe(b.digest);
            const bytes = Buffer.from(await pulled.arrayBuffer());
            expect(sha256(bytes)).toBe(b.digest);
            expect(bytes.equals(b.bytes)).toBe(true);
        }
        const ranged = await fetch(`${base}/v2/quarantine/tiny/blobs/${image.layers[0]!.digest}`, { headers: { Range: 'bytes=0-9' } });
        expect(ranged.status).toBe(206);
        expect(Buffer.from(await ranged.arrayBuffer()).equals(image.layers[0]!.bytes.subarray(0, 10))).toBe(true);

        expect(await (await fetch(`${base}/v2/quarantine/tiny/tags/list`)).json()).toEqual({ name: 'quarantine/tiny', tags: ['v1'] });
        expect(((await (await fetch(`${base}/v2/_catalog`)).json()) as { repositories: string[] }).repositories).toContain('quarantine/tiny');
        // The same image in ACR's own listing, with the platform read from its config.
        const listed = (await (await fetch(`${base}/acr/v1/quarantine/tiny/_manifests/${image.manifest.digest}`)).json()) as any;
        expect(listed.manifest).toMatchObject({ digest: image.manifest.digest, os: 'linux', architecture: 'amd64', tags: ['v1'], mediaType: image.manifest.mediaType });
        expect(listed.manifest.imageSize).toBe(image.manifest.bytes.length + image.config.bytes.length + image.layers[0]!.bytes.length);
    });

    it('pages tags with n and last and a Link header, and answers an unknown repository with NAME_UNKNOWN', async () => {
        const image = buildImage({ files: { 'paging.txt': 'tags' } });
        for (const tag of ['c', 'a', 'b']) expect((await pushImage(base, 'paging/app', tag, image)).status).toBe(201);
        const first = await fetch(`${base}/v2/paging/app/tags/list?n=2`);
        expect(await first.json()).toEqual({ name: 'paging/app', tags: ['a', 'b'] });
        expect(first.headers.get('link')).toBe('</v2/paging/app/tags/list?n=2&last=b>; rel="next"');
        expect(await (await fetch(`${base}/v2/paging/app/tags/list?n=2&last=b`)).json()).toEqual({ name: 'paging/app', tags: ['c'] });
        const unknown = await fetch(`${base}/v2/no/such/tags/list`);
        expect(unknown.status).toBe(404);
        expect(((await unknown.json()) as any).errors[0].code).toBe('NAME_UNKNOWN');
    });

    it('stores an OCI index with two platform children, and a Docker v2 manifest list, and serves each as pushed', async () => {
        const amd64 = buildImage({ files: { 'arch.txt': 'amd64' }, architecture: 'amd64' });
        const arm64 = buildImage({ files: { 'arch.txt': 'arm64' }, architecture: 'arm64' });
        for (const child of [amd64, arm64]) expect((await pushImage(base, 'quarantine/multi', child.manifest.digest, child)).status).toBe(201);
        const index = manifestBlob({
            schemaVersion: 2,
            mediaType: 'application/vnd.oci.image.index.v1+json',
            manifests: [
                descriptor(amd64.manifest, { platform: { os: 'linux', architecture: 'amd64' } }),
                descriptor(arm64.manifest, { platform: { os: 'linux', architecture: 'arm64' } }),
            ],
        });
        const pushed = await putManifest(base, 'quarantine/multi', '1.0', index);
        expect(pushed.status).toBe(201);
        expect(pushed.headers.get('docker-content-digest')).toBe(index.digest);
        const pulled = await fetch(`${base}/v2/quarantine/multi/manifests/1.0`);
        expect(pulled.headers.get('content-type')).toBe('application/vnd.oci.image.index.v1+json');
        expect(Buffer.from(await pulled.arrayBuffer()).equals(index.bytes)).toBe(true);
        const listed = (await (await fetch(`${base}/acr/v1/quarantine/multi/_manifests/${index.digest}`)).json()) as any;
        expect(listed.manifest.references).toEqual([
            { digest: amd64.manifest.digest, os: 'linux', architecture: 'amd64' },
            { digest: arm64.manifest.digest, os: 'linux', architecture: 'arm64' },
        ]);

        // Docker's own formats: a v2 manifest and a manifest list naming it.
        const docker = buildImage({ files: { 'docker.txt': 'v2' } });
        const v2 = manifestBlob({
            schemaVersion: 2,
            mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
            config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: docker.config.digest, size: docker.config.bytes.length },
            layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: docker.layers[0]!.digest, size: docker.layers[0]!.bytes.length }],
        });
        for (const b of [docker.config, docker.layers[0]!]) expect((await pushBlob(base, 'quarantine/docker', b)).status).toBe(201);
        expect((await putManifest(base, 'quarantine/docker', v2.digest, v2)).status).toBe(201);
        const list = manifestBlob({
            schemaVersion: 2,
            mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
            manifests: [descriptor(v2, { platform: { os: 'linux', architecture: 'amd64' } })],
        });
        expect((await putManifest(base, 'quarantine/docker', 'latest', list)).status).toBe(201);
        const pulledList = await fetch(`${base}/v2/quarantine/docker/manifests/latest`);
        expect(pulledList.headers.get('content-type')).toBe('application/vnd.docker.distribution.manifest.list.v2+json');
        expect(pulledList.headers.get('docker-content-digest')).toBe(list.digest);
    });
});

describe('referrers (OCI 1.1)', () => {
    it('answers a manifest with `subject` with OCI-Subject and lists it as a referrer, filtered by artifactType', async () => {
        const image = buildImage({ files: { 'signed.txt': 'subject' } });
        await pushImage(base, 'quarantine/signed', 'v1', image);
        // An artifact as image-spec's "artifact without config" example shapes it: the empty config, one data layer.
        const empty = { mediaType: 'application/vnd.oci.empty.v1+json', bytes: Buffer.from('{}'), digest: sha256('{}') };
        const sbom = { mediaType: 'application/spdx+json', bytes: Buffer.from('{"spdxVersion":"SPDX-2.3"}'), digest: sha256('{"spdxVersion":"SPDX-2.3"}') };
        for (const b of [empty, sbom]) expect((await pushBlob(base, 'quarantine/signed', b)).status).toBe(201);
        const referrer = manifestBlob({
            schemaVersion: 2,
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            artifactType: 'application/vnd.example.sbom.v1',
            config: descriptor(empty),
            layers: [descriptor(sbom)],
            subject: descriptor(image.manifest),
            annotations: { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z', 'org.example.sbom.format': 'json' },
        });
        const pushed = await putManifest(base, 'quarantine/signed', referrer.digest, referrer);
        expect(pushed.status).toBe(201);
        expect(pushed.headers.get('oci-subject')).toBe(image.manifest.digest);

        const listed = await fetch(`${base}/v2/quarantine/signed/referrers/${image.manifest.digest}`);
        expect(listed.status).toBe(200);
        expect(listed.headers.get('content-type')).toBe('application/vnd.oci.image.index.v1+json');
        const body = (await listed.json()) as any;
        expect(body).toEqual({
            schemaVersion: 2,
            mediaType: 'application/vnd.oci.image.index.v1+json',
            manifests: [{
                mediaType: 'application/vnd.oci.image.manifest.v1+json',
                size: referrer.bytes.length,
                digest: referrer.digest,
                artifactType: 'application/vnd.example.sbom.v1',
                annotations: { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z', 'org.example.sbom.format': 'json' },
            }],
        });
        // The spec's example response has the same descriptor keys (it is not valid JSON as printed: keys only).
        const exampleKeys = [...referrersExample.matchAll(/^ {6}"(\w+)":/gm)].map((m) => m[1]);
        expect(new Set(exampleKeys)).toEqual(new Set(Object.keys(body.manifests[0])));

        const filtered = await fetch(`${base}/v2/quarantine/signed/referrers/${image.manifest.digest}?artifactType=application/vnd.example.signature.v1`);
        expect(filtered.headers.get('oci-filters-applied')).toBe('artifactType');
        expect(((await filtered.json()) as any).manifests).toEqual([]);
        const matching = await fetch(`${base}/v2/quarantine/signed/referrers/${image.manifest.digest}?artifactType=application/vnd.example.sbom.v1`);
        expect(((await matching.json()) as any).manifests.map((d: any) => d.digest)).toEqual([referrer.digest]);
        // No referrers is an empty index, never a 404; a malformed digest is a 400.
        const none = await fetch(`${base}/v2/quarantine/signed/referrers/${referrer.digest}`);
        expect(none.status).toBe(200);
        expect(((await none.json()) as any).manifests).toEqual([]);
        expect((await fetch(`${base}/v2/quarantine/signed/referrers/sha256:nothex`)).status).toBe(400);
    });
});

describe('verification and the spec\'s error codes', () => {
    it('rejects a blob whose bytes do not match the digest (DIGEST_INVALID) and keeps nothing of it', async () => {
        const bytes = Buffer.from('the real bytes');
        const wrong = sha256('other bytes');
        const opened = await fetch(`${base}/v2/quarantine/bad/blobs/uploads/`, { method: 'POST' });
        const url = new URL(opened.headers.get('location')!);
        url.searchParams.set('digest', wrong);
        const put = await fetch(url, { method: 'PUT', body: bytes, headers: { 'Content-Type': 'application/octet-stream' } });
        expect(put.status).toBe(400);
        const error = (await put.json()) as any;
        expect(error.errors[0].code).toBe('DIGEST_INVALID');
        expect((await fetch(`${base}/v2/quarantine/bad/blobs/${wrong}`, { method: 'HEAD' })).status).toBe(404);
        expect((await fetch(`${base}/v2/quarantine/bad/blobs/${sha256(bytes)}`, { method: 'HEAD' })).status).toBe(404);
        // The single-POST upload verifies the same way.
        const single = await fetch(`${base}/v2/quarantine/bad/blobs/uploads/?digest=${wrong}`, { method: 'POST', body: bytes });
        expect(single.status).toBe(400);
        expect(((await single.json()) as any).errors[0].code).toBe('DIGEST_INVALID');
    });

    it('rejects a manifest pushed under a digest that is not its own, one naming unknown blobs, and one that is not a manifest', async () => {
        const image = buildImage({ files: { 'mismatch.txt': 'x' } });
        for (const b of [image.config, ...image.layers]) await pushBlob(base, 'quarantine/bad', b);
        const mismatch = await putManifest(base, 'quarantine/bad', sha256('not the manifest'), image.manifest);
        expect(mismatch.status).toBe(400);
        expect(((await mismatch.json()) as any).errors[0].code).toBe('DIGEST_INVALID');

        const orphan = buildImage({ files: { 'orphan.txt': 'never uploaded' } });
        const unknown = await putManifest(base, 'quarantine/bad', 'orphan', orphan.manifest);
        expect(unknown.status).toBe(400);
        const errors = ((await unknown.json()) as any).errors;
        expect(errors[0].code).toBe('MANIFEST_BLOB_UNKNOWN');
        expect(errors[0].detail).toEqual(expect.arrayContaining([{ digest: orphan.config.digest }, { digest: orphan.layers[0]!.digest }]));

        const garbage = await fetch(`${base}/v2/quarantine/bad/manifests/junk`, { method: 'PUT', headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' }, body: '{"schemaVersion": 1}' });
        expect(garbage.status).toBe(400);
        expect(((await garbage.json()) as any).errors[0].code).toBe('MANIFEST_INVALID');
        expect((await fetch(`${base}/v2/quarantine/bad/manifests/orphan`)).status).toBe(404);
    });

    it('answers an out-of-order chunk with 416 and the current Range, and an unknown upload with BLOB_UPLOAD_UNKNOWN', async () => {
        const opened = await fetch(`${base}/v2/quarantine/chunks/blobs/uploads/`, { method: 'POST' });
        const location = opened.headers.get('location')!;
        expect((await fetch(location, { method: 'PATCH', headers: { 'Content-Range': '0-3' }, body: 'abcd' })).status).toBe(202);
        const skipped = await fetch(location, { method: 'PATCH', headers: { 'Content-Range': '10-13' }, body: 'wxyz' });
        expect(skipped.status).toBe(416);
        expect(skipped.headers.get('range')).toBe('0-3');
        const status = await fetch(location);
        expect(status.status).toBe(204);
        expect(status.headers.get('range')).toBe('0-3');
        const unknown = await fetch(`${base}/v2/quarantine/chunks/blobs/uploads/not-a-session`, { method: 'PATCH', body: 'x' });
        expect(unknown.status).toBe(404);
        expect(((await unknown.json()) as any).errors[0].code).toBe('BLOB_UPLOAD_UNKNOWN');
        expect((await fetch(location, { method: 'DELETE' })).status).toBe(204);
        expect((await fetch(location)).status).toBe(404);
    });

    it('deletes a tag and a manifest, and honours ACR locks (writeEnabled, deleteEnabled, readEnabled)', async () => {
        const image = buildImage({ files: { 'locks.txt': 'locked' } });
        await pushImage(base, 'live/locked', '1.0', image);
        registry.registry.updateTagAttributes('live/locked', '1.0', { writeEnabled: false, deleteEnabled: false });
        const other = buildImage({ files: { 'locks.txt': 'another' } });
        const overwrite = await pushImage(base, 'live/locked', '1.0', other);
        expect(overwrite.status).toBe(403);
        expect(((await overwrite.json()) as any).errors[0].code).toBe('DENIED');
        expect((await fetch(`${base}/v2/live/locked/manifests/${image.manifest.digest}`, { method: 'DELETE' })).status).toBe(403);
        registry.registry.updateManifestAttributes('live/locked', image.manifest.digest, { readEnabled: false });
        expect((await fetch(`${base}/v2/live/locked/manifests/${image.manifest.digest}`)).status).toBe(403);

        registry.registry.updateTagAttributes('live/locked', '1.0', { writeEnabled: true, deleteEnabled: true });
        await pushImage(base, 'live/locked', '2.0', other);
        expect((await fetch(`${base}/v2/live/locked/manifests/2.0`, { method: 'DELETE' })).status).toBe(202);
        expect((await fetch(`${base}/v2/live/locked/manifests/2.0`)).status).toBe(404);
        expect((await fetch(`${base}/v2/live/locked/manifests/${other.manifest.digest}`, { method: 'HEAD' })).status).toBe(200);
        expect((await fetch(`${base}/v2/live/locked/manifests/${other.manifest.digest}`, { method: 'DELETE' })).status).toBe(202);
        expect((await fetch(`${base}/v2/live/locked/manifests/${other.manifest.digest}`, { method: 'HEAD' })).status).toBe(404);
    });

    it('demands ACR tokens on the HTTPS listener: a push without one is challenged for the push scope', async () => {
        const response = await new Promise<{ status: number; challenge: string }>((resolvePromise, reject) => {
            const req = httpsRequest(`${registry.url}/v2/quarantine/tiny/blobs/uploads/`, { method: 'POST', ca: registry.ca }, (res) => {
                res.resume();
                res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, challenge: String(res.headers['www-authenticate']) }));
            });
            req.on('error', reject);
            req.end();
        });
        expect(response.status).toBe(401);
        expect(response.challenge).toContain('scope="repository:quarantine/tiny:push"');
    });
});

describe('a data directory', () => {
    it('keeps images, tags, locks and the TLS certificate across a restart', async () => {
        const dataDir = mkdtempSync(join(tmpdir(), 'local-registry-data-'));
        const start = () => startLocalRegistry({ azuriteConnectionString: inject('azuriteConnectionString'), httpPort: 0, dataDir });
        const first = await start();
        const image = buildImage({ files: { 'kept.txt': 'across restarts' } });
        try {
            expect((await pushImage(first.httpUrl!, 'live/kept', '1.0', image)).status).toBe(201);
            first.registry.updateTagAttributes('live/kept', '1.0', { writeEnabled: false });
        } finally {
            await first.close();
        }
        const second = await start();
        try {
            expect(second.ca).toBe(first.ca);
            const pulled = await fetch(`${second.httpUrl}/v2/live/kept/manifests/1.0`);
            expect(pulled.status).toBe(200);
            expect(Buffer.from(await pulled.arrayBuffer()).equals(image.manifest.bytes)).toBe(true);
            const layer = await fetch(`${second.httpUrl}/v2/live/kept/blobs/${image.layers[0]!.digest}`);
            expect(Buffer.from(await layer.arrayBuffer()).equals(image.layers[0]!.bytes)).toBe(true);
            expect(second.registry.tag('live/kept', '1.0')?.attributes.writeEnabled).toBe(false);
        } finally {
            await second.close();
        }
    });
});
