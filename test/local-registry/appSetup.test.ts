import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AcrRegistry } from '../../shared/registry/acrRegistry';
import { AcrTaskRunner } from '../../shared/registry/acrTaskRunner';
import { AcrTaskScanner } from '../../shared/registry/acrTaskScanner';
import { localTaskExecutor } from '../../local-registry/localTaskExecutor';
import { startLocalRegistry, type LocalRegistry } from '../../local-registry/localRegistry';
import { testAcrConnection } from '../support/testAzureAccess';
import { buildImage, pushImage } from './ociImage';
import { installStandInTrivy } from './standInTrivy';
import { startWebhookReceiver } from './webhookReceiver';

/**
 * The setup `npm start` is to use (local-registry/README.md): the login server is the push
 * address `localhost:PORT`, so a docker/skopeo push, its event, the app's SDK calls over HTTPS and
 * the scan's image reference all name one registry. Driven through the app's own adapters.
 */

const work = mkdtempSync(join(tmpdir(), 'local-registry-app-'));
const bin = join(work, 'bin');
const argvFile = join(work, 'argv.json');

function freePort(): Promise<number> {
    return new Promise((resolvePort, reject) => {
        const probe = createServer();
        probe.once('error', reject);
        probe.listen(0, '127.0.0.1', () => {
            const { port } = probe.address() as { port: number };
            probe.close(() => resolvePort(port));
        });
    });
}

let registry: LocalRegistry;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

beforeAll(async () => {
    mkdirSync(bin, { recursive: true });
    installStandInTrivy(bin);
    receiver = await startWebhookReceiver();
    const port = await freePort();
    registry = await startLocalRegistry({
        azuriteConnectionString: inject('azuriteConnectionString'),
        httpPort: port,
        loginServer: `localhost:${port}`,
        webhookUrl: receiver.url,
        webhookRetryDelayMs: 10,
        executor: localTaskExecutor({
            cacheDir: join(work, 'cache'),
            env: { ...process.env, PATH: `${bin}:${process.env['PATH']}`, ARGV_FILE: argvFile, RECORDED_REPORT: resolve(__dirname, '../../../shared/fixtures/trivy/alpine-310.golden.json') },
        }),
    });
});

afterAll(async () => {
    await registry?.close();
    await receiver?.close();
});

describe('the login server is the push address', () => {
    it('a push over HTTP is seen by the app\'s SDK adapters over HTTPS, scanned by its own reference, imported by digest and locked', async () => {
        expect(registry.loginServer).toBe(registry.pushAddress);
        const image = buildImage({ files: { 'app.txt': 'the whole loop' } });
        expect((await pushImage(registry.httpUrl!, 'quarantine/app', '1.0', image)).status).toBe(201);
        await registry.notifier!.idle();
        const pushed = (receiver.received.at(-1)!.body as any[])[0];
        expect(pushed.data.request.host).toBe(registry.loginServer);
        expect(pushed.data.target).toMatchObject({ repository: 'quarantine/app', tag: '1.0', digest: image.manifest.digest });

        const acr = testAcrConnection(registry);
        const adapter = new AcrRegistry(acr, { importPollIntervalMs: 1 });
        const manifest = await adapter.getManifest('quarantine/app', image.manifest.digest);
        expect(manifest).toMatchObject({ digest: image.manifest.digest });
        expect((await adapter.listTags('quarantine/app')).map((t) => t.name)).toEqual(['1.0']);

        const scanner = new AcrTaskScanner(new AcrTaskRunner(acr, { schedulePollIntervalMs: 1 }), {
            loginServer: registry.loginServer,
            trivyImage: 'ghcr.io/aquasecurity/trivy:0.58.1',
            scanTimeoutSeconds: 600,
            pollIntervalMs: 1,
            waitTimeoutMs: 30_000,
        });
        const result = await scanner.scan({ registry: pushed.data.request.host, repository: 'quarantine/app', digest: image.manifest.digest });
        const asked = `${registry.loginServer}/quarantine/app@${image.manifest.digest}`;
        expect(JSON.parse(readFileSync(argvFile, 'utf8')).at(-1)).toBe(asked);
        expect(JSON.parse(result.reportJson).ArtifactName).toBe(asked);

        await adapter.importByDigest({ sourceRepository: 'quarantine/app', digest: image.manifest.digest, targetRepository: 'live/app', targetTag: '1.0', mode: 'NoForce' });
        await registry.notifier!.idle();
        const imported = (receiver.received.at(-1)!.body as any[])[0];
        expect(imported).toMatchObject({ eventType: 'Microsoft.ContainerRegistry.ImagePushed', subject: 'live/app:1.0', data: { target: { repository: 'live/app', tag: '1.0', digest: image.manifest.digest } } });
        const promoted = await fetch(`${registry.httpUrl}/v2/live/app/manifests/1.0`);
        expect(Buffer.from(await promoted.arrayBuffer()).equals(image.manifest.bytes)).toBe(true);

        await adapter.lockImage('live/app', image.manifest.digest, '1.0');
        const locked = await fetch(`${registry.httpUrl}/v2/live/app/manifests/1.0`);
        expect(locked.status).toBe(403);
        expect(((await locked.json()) as any).errors[0].code).toBe('DENIED');
    });
});
