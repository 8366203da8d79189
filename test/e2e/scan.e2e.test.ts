import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The local host (through appHost) must be imported before anything that registers functions.
import { startAppHost } from '../support/appHost';
import type { LocalHost } from '../../local-host';
import { startAzurite, type AzuriteInstance } from '../../local-host/azurite';
import { readStorageConnection } from '../../shared/config/storageConnection';
import { TableScanResultStore } from '../../shared/results/tableScanResultStore';
import { decodeParkedMessage } from '../../shared/storage/parkedMessages';
import { decodeScanMessage } from '../../shared/scan/scanMessage';
import { poisonQueueOf, queues, tables } from '../../shared/storage/names';
import { parseTrivyReportJson } from '../../shared/trivy/report';
import { startAcrServer, type AcrServer } from '../acr-server/acrServer';
import { trivyImageScanRun } from '../acr-server/trivyScanRun';
import { azuriteTable, imagePushed } from '../support/intakeFixtures';
import { RecordingVerdictObserver, scanRequest, trivyFixture } from '../scan/support';
import { testAzureAccess } from '../support/testAzureAccess';
import { appEnv } from '../support/appEnv';

/*
 * End to end through the local host: an ImagePushed event posted to the Event Grid webhook →
 * registryEventIntake → `scan-requests` → scanWorker → a Trivy run on the ACR test server → results
 * in the tables → verdict observers. The host runs with a host.json of maxDequeueCount 2 and no
 * visibility delay so the fail-closed path (retry, error verdict, poison queue) is quick. Own
 * Azurite: the app uses fixed queue and table names.
 */
const MAX_DEQUEUE = 2;
const juiceShop = trivyFixture('securecodebox-juice-shop-v12.10.2.json');

let azurite: AzuriteInstance;
let server: AcrServer;
let host: LocalHost;
let store: TableScanResultStore;
const observer = new RecordingVerdictObserver();

function writeTestHostJson(): string {
    const real = JSON.parse(readFileSync(path.resolve(__dirname, '../../host.json'), 'utf8')) as { extensions: { queues: Record<string, unknown> } };
    real.extensions.queues = { ...real.extensions.queues, maxDequeueCount: MAX_DEQUEUE, visibilityTimeout: '00:00:00', maxPollingInterval: '00:00:00.200' };
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'acr-guard-scan-e2e-')), 'host.json');
    writeFileSync(file, JSON.stringify(real));
    return file;
}

const webhook = () => `${host.baseUrl}/runtime/webhooks/eventgrid?functionName=registryEventIntake`;
const deliver = (events: unknown[]) => fetch(webhook(), { method: 'POST', headers: { 'aeg-event-type': 'Notification', 'content-type': 'application/json' }, body: JSON.stringify(events) });
/** The ImagePushed event of `digest` (a `sha256:…`, or hex digits repeated into one). */
const pushedTo = (id: string, repository: string, digest: string) => {
    const event = imagePushed(id, repository, digest.startsWith('sha256:') ? 'a' : digest);
    const target = digest.startsWith('sha256:') ? { ...event.data.target, digest } : event.data.target;
    return { ...event, data: { ...event.data, target, request: { ...event.data.request, host: server.loginServer } } };
};
const digestOf = (hex: string) => `sha256:${hex.repeat(64).slice(0, 64)}`;

beforeAll(async () => {
    azurite = await startAzurite();
    server = await startAcrServer({ azuriteConnectionString: azurite.connectionString });
    store = TableScanResultStore.fromConnection(readStorageConnection('S', { S: azurite.connectionString }));
    const hostJsonPath = writeTestHostJson();
    host = await startAppHost({
        azurite,
        composition: { access: testAzureAccess(server.ca), hostJsonPath, extraVerdictObservers: [observer] },
        host: { hostJsonPath },
        env: appEnv({ azurite, acr: server }),
    });
});

afterAll(async () => {
    await host?.stop();
    await server?.close();
    await azurite?.stop();
});

describe('scan worker through the local host', () => {
    it('turns a quarantine push into a Trivy run, a stored verdict with findings and CVE index, an observer call and an alert', async () => {
        server.onRun(trivyImageScanRun(() => juiceShop));
        const runsBefore = server.runs().length;
        const digest = server.registry.putImage({ repository: 'quarantine/juice-shop', tags: ['1.0'] });
        expect((await deliver([pushedTo('scan-e2e-pass', 'quarantine/juice-shop', digest)])).status).toBe(202);
        await host.idle();

        expect(server.runs().length).toBe(runsBefore + 1);
        expect(server.runs().at(-1)!.values['imageRef']).toBe(`${server.loginServer}/quarantine/juice-shop@${digest}`);
        const summary = await store.getSummary(digest);
        expect(summary).toMatchObject({ repository: 'quarantine/juice-shop', tagsSeen: ['1.0'], verdict: { outcome: 'fail' } });
        const report = parseTrivyReportJson(juiceShop);
        expect(summary!.counts.total).toBe(report.findings.length);
        expect((await store.listFindings(digest)).length).toBe(summary!.findingRows);
        const cve = report.findings.find((f) => f.severity === 'CRITICAL')!.vulnerabilityId;
        expect((await store.imagesWithVulnerability(cve)).map((i) => i.digest)).toEqual([digest]);
        expect(observer.events.filter((e) => e.digest === digest)).toEqual([
            expect.objectContaining({ repository: 'quarantine/juice-shop', reason: 'push', previous: null, redelivered: false, verdict: expect.objectContaining({ outcome: 'fail' }) }),
        ]);
        const alerts = [];
        for await (const a of azuriteTable(azurite.connectionString, tables.alerts).listEntities<{ kind: string; subjectDigest?: string }>()) alerts.push(a);
        expect(alerts.map((a) => a.kind)).toContain('scan-failed');
    });

    it('fails closed: a failing run is replaced by a new one up to host.json\'s maxDequeueCount, then recorded as error; nothing is left on the queues', async () => {
        server.onRun(() => ({ status: 'Failed', log: 'trivy: DB download failed\r\n', errorMessage: 'step acr-guard-trivy-scan failed' }));
        const runsBefore = server.runs().length;
        const digest = server.registry.putImage({ repository: 'quarantine/api', tags: ['1.0'] });
        expect((await deliver([pushedTo('scan-e2e-error', 'quarantine/api', digest)])).status).toBe(202);
        await host.idle();

        expect(server.runs().length).toBe(runsBefore + MAX_DEQUEUE);
        expect(await store.getSummary(digest)).toMatchObject({ verdict: { outcome: 'error', reasons: [{ code: 'scanner-error', message: expect.stringMatching(/\(run-failed\).*after 2 run\(s\)/) }] } });
        expect(observer.events.filter((e) => e.digest === digest).map((e) => e.verdict.outcome)).toEqual(['error']);
        // The error is recorded and told: the request is done, not parked (parking is for requests that can never be scanned).
        const poison = new QueueClient(azurite.connectionString, poisonQueueOf(queues.scanRequests));
        const parked = (await poison.peekMessages({ numberOfMessages: 32 })).peekedMessageItems.map((m) => decodeScanMessage(m.messageText));
        expect(parked.filter((p) => p.ok && p.request.digest === digest)).toEqual([]);
    });

    it('never lets a hostile name reach the ACR server: intake rejects it, and a forged message is parked with its reason', async () => {
        const runsBefore = server.runs().length;
        expect((await deliver([pushedTo('scan-e2e-hostile', 'quarantine/app$(curl evil)', 'c')])).status).toBe(202);
        const forged = { ...scanRequest(server.loginServer, 'quarantine/app', digestOf('d')), repository: "quarantine/app'\n- cmd: curl evil" };
        const scanQueue = new QueueClient(azurite.connectionString, queues.scanRequests);
        await scanQueue.sendMessage(Buffer.from(JSON.stringify(forged)).toString('base64'));
        await host.idle();

        expect(server.runs().length).toBe(runsBefore);
        const poison = new QueueClient(azurite.connectionString, poisonQueueOf(queues.scanRequests));
        const texts = (await poison.peekMessages({ numberOfMessages: 32 })).peekedMessageItems.map((m) => m.messageText);
        const parked = texts.map((t) => decodeParkedMessage(t)).filter((p) => p.schema === 'acr-guard.parked-message');
        expect(parked).toEqual([expect.objectContaining({ queue: 'scan-requests', reason: expect.stringMatching(/malformed scan request: invalid scan request: repository/) })]);
    });
});
