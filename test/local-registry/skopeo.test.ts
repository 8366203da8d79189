import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { findExecutable } from '../../local-registry/localTaskExecutor';
import { startLocalRegistry, type LocalRegistry } from '../../local-registry/localRegistry';
import { buildImage, descriptor, manifestBlob, writeOciLayout } from './ociImage';
import { startWebhookReceiver } from './webhookReceiver';

/**
 * Interoperability with a real client: skopeo (the Debian package; .ci/run installs it) copies an
 * OCI image layout the test writes into the local registry over plain HTTP on localhost, and
 * back out. Not skipped without skopeo: it fails and says how to install it.
 */

const run = promisify(execFile);
const skopeo = findExecutable('skopeo');

let registry: LocalRegistry;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

beforeAll(async () => {
    receiver = await startWebhookReceiver();
    registry = await startLocalRegistry({ azuriteConnectionString: inject('azuriteConnectionString'), httpPort: 0, webhookUrl: receiver.url, webhookRetryDelayMs: 10 });
});

afterAll(async () => {
    await registry?.close();
    await receiver?.close();
});

describe('skopeo against the local registry', () => {
    it('copies an OCI layout in (the pushed digest is the one skopeo reports) and back out unchanged', async () => {
        if (!skopeo) throw new Error('skopeo is not installed: `apt-get install -y skopeo` (.ci/run installs it when missing)');
        const work = mkdtempSync(join(tmpdir(), 'local-registry-skopeo-'));
        const source = join(work, 'source');
        const back = join(work, 'back');
        const image = buildImage({ files: { 'skopeo.txt': 'copied by skopeo\n' } });
        writeOciLayout(source, image, 'v1');
        const target = `docker://${registry.pushAddress}/quarantine/skopeo:v1`;

        const digestFile = join(work, 'digest');
        // A policy that accepts anything: the test machine may have no /etc/containers/policy.json.
        const policy = join(work, 'policy.json');
        writeFileSync(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
        await run(skopeo, ['--policy', policy, 'copy', '--dest-tls-verify=false', '--digestfile', digestFile, `oci:${source}:v1`, target]);
        const reported = readFileSync(digestFile, 'utf8').trim();

        expect(reported).toMatch(/^sha256:[a-f0-9]{64}$/);
        expect(registry.registry.tag('quarantine/skopeo', 'v1')?.digest).toBe(reported);
        // skopeo pushed the layout's manifest as it was: the same bytes, the same digest.
        expect(reported).toBe(image.manifest.digest);
        await registry.notifier!.idle();
        const pushed = receiver.received.map((r) => (r.body as any[])[0]).find((e) => e.data.target.repository === 'quarantine/skopeo');
        expect(pushed).toMatchObject({ eventType: 'Microsoft.ContainerRegistry.ImagePushed', data: { target: { digest: reported, tag: 'v1' }, request: { method: 'PUT' } } });
        expect(pushed.data.request.useragent).toMatch(/skopeo|containers/i);

        await run(skopeo, ['--policy', policy, 'copy', '--src-tls-verify=false', target, `oci:${back}:v1`]);
        const index = JSON.parse(readFileSync(join(back, 'index.json'), 'utf8'));
        expect(index.manifests.map((m: { digest: string }) => m.digest)).toEqual([reported]);
        const blobs = (dir: string) => Object.fromEntries(readdirSync(join(dir, 'blobs', 'sha256')).sort().map((f) => [f, readFileSync(join(dir, 'blobs', 'sha256', f)).toString('base64')]));
        expect(blobs(back)).toEqual(blobs(source));
    });

    it('copies a two-platform OCI index with --all, under the index digest skopeo reports, and back out unchanged', async () => {
        if (!skopeo) throw new Error('skopeo is not installed: `apt-get install -y skopeo` (.ci/run installs it when missing)');
        const work = mkdtempSync(join(tmpdir(), 'local-registry-skopeo-index-'));
        const [source, back, digestFile, policy] = ['source', 'back', 'digest', 'policy.json'].map((f) => join(work, f)) as [string, string, string, string];
        writeFileSync(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
        const amd64 = buildImage({ files: { 'arch.txt': 'amd64\n' }, architecture: 'amd64' });
        const arm64 = buildImage({ files: { 'arch.txt': 'arm64\n' }, architecture: 'arm64' });
        const index = manifestBlob({
            schemaVersion: 2,
            mediaType: 'application/vnd.oci.image.index.v1+json',
            manifests: [
                descriptor(amd64.manifest, { platform: { os: 'linux', architecture: 'amd64' } }),
                descriptor(arm64.manifest, { platform: { os: 'linux', architecture: 'arm64' } }),
            ],
        });
        writeOciLayout(source, amd64, 'multi', index, [arm64.config, ...arm64.layers, arm64.manifest]);
        const target = `docker://${registry.pushAddress}/quarantine/skopeo-multi:multi`;

        await run(skopeo, ['--policy', policy, 'copy', '--all', '--dest-tls-verify=false', '--digestfile', digestFile, `oci:${source}:multi`, target]);
        const reported = readFileSync(digestFile, 'utf8').trim();
        expect(reported).toBe(index.digest);
        expect(registry.registry.resolve('quarantine/skopeo-multi', 'multi')?.references).toEqual([
            { digest: amd64.manifest.digest, os: 'linux', architecture: 'amd64' },
            { digest: arm64.manifest.digest, os: 'linux', architecture: 'arm64' },
        ]);

        await run(skopeo, ['--policy', policy, 'copy', '--all', '--src-tls-verify=false', target, `oci:${back}:multi`]);
        expect(JSON.parse(readFileSync(join(back, 'index.json'), 'utf8')).manifests.map((m: { digest: string }) => m.digest)).toEqual([reported]);
        const blobs = (dir: string) => Object.fromEntries(readdirSync(join(dir, 'blobs', 'sha256')).sort().map((f) => [f, readFileSync(join(dir, 'blobs', 'sha256', f)).toString('base64')]));
        expect(blobs(back)).toEqual(blobs(source));
    });
});
