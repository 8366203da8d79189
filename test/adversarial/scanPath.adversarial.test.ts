import path from 'node:path';
import { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteInstance } from '../../local-host/azurite';
import { createServices, type AppServices } from '../../shared/app/createServices';
import { loadSettings } from '../../shared/config/settings';
import { readStorageConnection } from '../../shared/config/storageConnection';
import { TableScanResultStore } from '../../shared/results/tableScanResultStore';
import { encodeScanRequest, scanRequestIdFor } from '../../shared/scan/scanRequest';
import { decodeParkedMessage } from '../../shared/storage/parkedMessages';
import { poisonQueueOf, queues } from '../../shared/storage/names';
import { MEDIA_TYPES, startAcrServer, type AcrServer } from '../acr-server/acrServer';
import { trivyImageScanRun } from '../acr-server/trivyScanRun';
import { appEnv } from '../support/appEnv';
import { pushOciIndex, pushOciManifest, runnableImage } from '../scan/artifactPush';
import { provisionAzurite } from '../support/provisionAzurite';
import { testAzureAccess } from '../support/testAzureAccess';
import { drainQueue, driveScanQueue, RecordingVerdictObserver, scanRequest, trivyFixture } from '../scan/support';

/*
 * The scan path attacked as a hostile pusher (or a hostile writer of our queue) would, one test per
 * attack of issue 10, against the app's own composition (createServices: the real scan pipeline,
 * promotion observer, promoter and ledger, alert service) on its own Azurite and the ACR stand-in,
 * with real Trivy reports (../shared/fixtures/trivy) stamped for the digests scanned. The scan
 * queue is driven the way the Functions host drives it (test/scan/support.ts driveScanQueue).
 */
const MAX_DEQUEUE = 5;
const juiceShop = trivyFixture('securecodebox-juice-shop-v12.10.2.json');
const clean = trivyFixture('cns-website-alpine-3.17-novulns.json');

let azurite: AzuriteInstance;
let server: AcrServer;
let services: AppServices;
let store: TableScanResultStore;
let scanQueue: QueueClient;
const observer = new RecordingVerdictObserver();

beforeAll(async () => {
    azurite = await startAzurite();
    await provisionAzurite(azurite.connectionString);
    server = await startAcrServer({ azuriteConnectionString: azurite.connectionString });
    const settings = loadSettings(appEnv({ azurite, acr: server }));
    services = createServices(settings, testAzureAccess(server.ca), {
        appRoot: path.resolve(__dirname, '../..'),
        hostJsonPath: path.resolve(__dirname, '../../host.json'),
        extraVerdictObservers: [observer],
    });
    store = TableScanResultStore.fromConnection(readStorageConnection('S', { S: azurite.connectionString }));
    scanQueue = new QueueClient(azurite.connectionString, queues.scanRequests);
});

afterAll(async () => {
    await server?.close();
    await azurite?.stop();
});

const drive = async () => driveScanQueue(await services.scanPipeline(), scanQueue, { maxDequeueCount: MAX_DEQUEUE });
const importsOf = (digest: string) => server.registry.events.filter((e) => e.kind === 'import' && e.digest === digest);
const runsOf = (digests: readonly string[]) => server.runs().filter((r) => digests.some((d) => r.values['imageRef']?.endsWith(`@${d}`)));

/** Trivy's answer per scanned digest: the real report, stamped for the digest (what Trivy prints). */
const reportsBy = (byDigest: ReadonlyMap<string, string>, fallback = clean) =>
    trivyImageScanRun((run) => byDigest.get(run.values['imageRef']?.split('@')[1] ?? '') ?? fallback);

describe('issue 10 attacks on the scan path', () => {
    it('20 concurrent duplicate deliveries of one push give exactly one ACR Task run and one importImage', async () => {
        server.onRun(reportsBy(new Map()));
        const digest = server.registry.putImage({ repository: 'quarantine/dup', tags: ['1.0'] });
        // One event delivered 20 times, each delivery enqueued (what intake did under concurrency).
        const request = scanRequest(server.loginServer, 'quarantine/dup', digest, { requestId: scanRequestIdFor('event-dup-1', 'push'), sourceEventId: 'event-dup-1' });
        await Promise.all(Array.from({ length: 20 }, () => scanQueue.sendMessage(encodeScanRequest(request))));

        const outcomes = await drive();
        expect(outcomes.filter((o) => o.error)).toEqual([]);
        expect(runsOf([digest])).toHaveLength(1);
        expect(importsOf(digest)).toHaveLength(1);
        expect(server.registry.tag('live/dup', '1.0')?.digest).toBe(digest);
        // Observers were told once; the other 19 joined the recorded result.
        expect(observer.events.filter((e) => e.digest === digest)).toHaveLength(1);
    });

    it('a scan request naming another registry is refused: parked with the reason, nothing scanned, recorded or promoted', async () => {
        const digest = server.registry.putImage({ repository: 'quarantine/foreign', tags: ['1.0'] });
        const runs = server.runs().length;
        const forged = scanRequest('evil.example.com', 'quarantine/foreign', digest);
        await scanQueue.sendMessage(encodeScanRequest(forged));

        const outcomes = await drive();
        expect(outcomes.map((o) => o.handling)).toEqual([{ status: 'parked', reason: expect.stringMatching(/^foreign-registry: .*evil\.example\.com.*only /) }]);
        expect(server.runs()).toHaveLength(runs);
        expect(await store.getSummary(digest)).toBeNull();
        expect(importsOf(digest)).toEqual([]);
        const parked = (await drainQueue(new QueueClient(azurite.connectionString, poisonQueueOf(queues.scanRequests)))).map(decodeParkedMessage);
        expect(parked).toEqual([expect.objectContaining({ queue: queues.scanRequests, message: encodeScanRequest(forged), reason: expect.stringMatching(/foreign-registry/) })]);
    });

    it('an old requestedAt cannot make the pipeline answer from a stale verdict: the digest is scanned again and judged on the new report', async () => {
        const digest = server.registry.putImage({ repository: 'quarantine/stale', tags: ['2.0'] });
        // A verdict of this digest from a month ago said pass (the vulnerability DB has moved on since).
        await store.recordScan({
            registry: server.loginServer,
            repository: 'quarantine/stale',
            digest,
            tag: '1.0',
            scanId: 'push-a-month-ago',
            scannedAt: new Date(Date.now() - 30 * 24 * 3_600_000),
            scanner: { name: 'trivy', version: '0.50.0', dbVersion: '2020-01-01T00:00:00Z' },
            os: null,
            verdict: { outcome: 'pass', reasons: [] },
            findings: [],
        });
        server.onRun(reportsBy(new Map([[digest, juiceShop]])));
        // The message claims to be older than that verdict.
        await scanQueue.sendMessage(encodeScanRequest(scanRequest(server.loginServer, 'quarantine/stale', digest, { tag: '2.0', requestedAt: '2000-01-01T00:00:00Z' })));

        await drive();
        expect(runsOf([digest])).toHaveLength(1);
        expect((await store.getSummary(digest))?.verdict.outcome).toBe('fail');
        expect(importsOf(digest)).toEqual([]);
        expect(server.registry.tag('live/stale', '2.0')).toBeUndefined();
    });

    it('the failing arm64 child of a multi-arch index is not promoted: each child scanned by digest, attestations recorded, the index fails', async () => {
        const pushed = server.registry.putIndex({
            repository: 'quarantine/multi',
            tags: ['1.0'],
            platforms: [
                { os: 'linux', architecture: 'amd64' },
                { os: 'linux', architecture: 'arm64', variant: 'v8' },
            ],
            attestations: true,
        });
        const [amd64, arm64] = pushed.children;
        server.onRun(reportsBy(new Map([[arm64!.digest, juiceShop]])));
        await scanQueue.sendMessage(encodeScanRequest(scanRequest(server.loginServer, 'quarantine/multi', pushed.digest)));

        await drive();
        // One run per platform child, by the child's digest and with its platform; none for the index or the attestations.
        const runs = runsOf([pushed.digest, ...pushed.children.map((c) => c.digest), ...pushed.attestations.map((a) => a.digest)]);
        expect(runs.map((r) => [r.values['imageRef']?.split('@')[1], r.values['platform']]).sort()).toEqual(
            [
                [amd64!.digest, 'linux/amd64'],
                [arm64!.digest, 'linux/arm64/v8'],
            ].sort(),
        );
        const summary = await store.getSummary(pushed.digest);
        expect(summary?.verdict.outcome).toBe('fail');
        // The summary shows each child's verdict, and the attestations as recorded.
        const messages = summary!.verdict.reasons.map((r) => `${r.code}: ${r.message}`);
        expect(messages).toEqual(
            expect.arrayContaining([
                expect.stringMatching(new RegExp(`^child-failed: linux/arm64/v8 ${arm64!.digest}: fail \\(.*blocked-vulnerabilities`)),
                `child-pass: linux/amd64 ${amd64!.digest}: pass (no-blocking-findings)`,
                expect.stringMatching(new RegExp(`^child-fail: linux/arm64/v8 ${arm64!.digest}: fail`)),
                ...pushed.attestations.map((a) => `attestation-recorded: attestation ${a.digest} of ${a.describes}: recorded, not scanned`),
            ]),
        );
        // Nothing of it reached live/.
        for (const d of [pushed.digest, amd64!.digest, arm64!.digest]) expect(importsOf(d)).toEqual([]);
        expect(server.registry.manifests('live/multi')).toEqual([]);
        expect(observer.events.filter((e) => e.digest === pushed.digest).map((e) => e.verdict.outcome)).toEqual(['fail']);
        expect(observer.events.filter((e) => e.digest === amd64!.digest || e.digest === arm64!.digest)).toEqual([]);
    });

    it('(control) a multi-arch index whose children all pass is promoted whole, by the index digest', async () => {
        server.onRun(reportsBy(new Map()));
        const pushed = server.registry.putIndex({ repository: 'quarantine/multiok', tags: ['1.0'], platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }], attestations: true });
        await scanQueue.sendMessage(encodeScanRequest(scanRequest(server.loginServer, 'quarantine/multiok', pushed.digest)));

        await drive();
        expect((await store.getSummary(pushed.digest))?.verdict.outcome).toBe('pass');
        expect(importsOf(pushed.digest)).toHaveLength(1);
        expect(server.registry.tag('live/multiok', '1.0')?.digest).toBe(pushed.digest);
        // The import copies the index with every child it lists: the judged platform images and their attestations.
        expect(server.registry.manifests('live/multiok').map((m) => m.digest).sort()).toEqual([pushed.digest, ...pushed.children.map((c) => c.digest), ...pushed.attestations.map((a) => a.digest)].sort());
    });

    it('a runnable image hidden behind a buildx attestation entry is not trusted: the index fails and nothing of it reaches live/', async () => {
        server.onRun(reportsBy(new Map()));
        const repository = 'quarantine/hidden';
        const amd64 = server.registry.putImage({ repository, mediaType: MEDIA_TYPES.ociManifest });
        // A second, runnable image (never scanned) dressed as the amd64 child's attestation manifest.
        const hidden = pushOciManifest(server, repository, 'payload', runnableImage());
        const index = pushOciIndex(server, repository, '1.0', [
            { digest: amd64, platform: { os: 'linux', architecture: 'amd64' } },
            { digest: hidden, platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': amd64 } },
        ]);
        await scanQueue.sendMessage(encodeScanRequest(scanRequest(server.loginServer, repository, index)));

        await drive();
        const summary = await store.getSummary(index);
        expect(summary?.verdict.outcome).toBe('fail');
        expect(summary?.verdict.reasons).toContainEqual(expect.objectContaining({ code: 'unsupported-child', message: expect.stringMatching(new RegExp(`${hidden}.*is image, not an attestation`)) }));
        expect(importsOf(index)).toEqual([]);
        expect(server.registry.manifests('live/hidden')).toEqual([]);
    });
});
