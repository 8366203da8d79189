import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The local host (through appHost) must be imported before anything that registers functions.
import { startAppHost } from '../support/appHost';
import { provisionAzurite } from '../support/provisionAzurite';
import { startAzurite, type AzuriteInstance } from '../../local-host/azurite';
import { AlertStore } from '../../shared/alerts/alertStore';
import { TableScanResultStore } from '../../shared/results/tableScanResultStore';
import { TableRescanLedger } from '../../shared/rescan/rescanLedger';
import { encodeScanRequest, SCAN_REQUEST_SCHEMA, SCAN_REQUEST_VERSION, type ScanReason } from '../../shared/scan/scanRequest';
import { readStorageConnection } from '../../shared/config/storageConnection';
import { queues, tables } from '../../shared/storage/names';
import { parseTrivyReportJson } from '../../shared/trivy/report';
import { startAcrServer, type AcrServer } from '../acr-server/acrServer';
import { DEFAULT_VERSION_INFO, trivyImageScanRun } from '../acr-server/trivyScanRun';
import { testAzureAccess } from '../support/testAzureAccess';
import { appEnv } from '../support/appEnv';

/*
 * Continuous scanning end to end through the local host, with the app's real registrations
 * (rescanSelection timer, rescanWorker and scanWorker queue triggers, the scan pipeline and its
 * observers), a real Azurite of its own (the app uses fixed queue and table names) and the ACR test
 * server for the registry listing and the Trivy task runs. Only the network identity is replaced
 * (a fake Entra token, the server's self-signed CA).
 */
const fixture = readFileSync(path.resolve(__dirname, '../../../shared/fixtures/trivy/debian-buster.golden.json'), 'utf8');
const CRITICAL = 'CVE-2019-18224';
const LOW = 'CVE-2019-18276';
const CURRENT_DB = DEFAULT_VERSION_INFO.VulnerabilityDB!.UpdatedAt; // what the test server's Trivy reports
const OLD_DB = '2024-12-30T06:13:07.465548741Z';
const HOUR = 3_600_000;

function reportWith(ids: readonly string[]): string {
    const report = JSON.parse(fixture) as { Results: { Vulnerabilities?: { VulnerabilityID: string }[] }[] };
    for (const result of report.Results) if (result.Vulnerabilities) result.Vulnerabilities = result.Vulnerabilities.filter((v) => ids.includes(v.VulnerabilityID));
    return JSON.stringify(report, null, 2);
}

let azurite: AzuriteInstance;
let server: AcrServer;
let store: TableScanResultStore;
let report = reportWith([LOW, CRITICAL]);

function hostEnv(): Record<string, string> {
    return appEnv({
        azurite,
        acr: server,
        extra: {
            // Promotion is the gate's business, not this test's.
            ACR_GUARD_AUTO_PROMOTE: 'false',
            ACR_GUARD_RESCAN_SELECTION: 'all',
            ACR_GUARD_RESCAN_PER_MINUTE: '100000',
        },
    });
}

const startHost = () => startAppHost({ azurite, composition: { access: testAzureAccess(server.ca) }, env: hostEnv(), host: { log: () => {} } });

beforeAll(async () => {
    azurite = await startAzurite();
    server = await startAcrServer({ azuriteConnectionString: azurite.connectionString });
    server.onRun(trivyImageScanRun(() => report));
    store = TableScanResultStore.fromConnection(readStorageConnection('TEST', { TEST: azurite.connectionString }));
    await provisionAzurite(azurite.connectionString);
}, 60_000);

afterAll(async () => {
    await server?.close();
    await azurite?.stop();
});

const table = (name: string) => TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
const digestOfRun = (i: number) => /@(sha256:[a-f0-9]{64})$/.exec(server.runs()[i]!.values['imageRef'] ?? '')?.[1];

describe('continuous scanning through the local host', () => {
    it('timer → rescan-requests → rescanWorker → verdict → one alert listing exactly the new blocking CVE', async () => {
        const digest = server.registry.putImage({ repository: 'live/shop', tags: ['1.0'] });
        const now = Date.now();
        // Promoted two days ago with a verdict made on an older DB: only the LOW bash finding.
        await store.recordScan({
            registry: server.loginServer,
            repository: 'quarantine/shop',
            digest,
            tag: '1.0',
            scanId: 'push-seed-shop',
            scannedAt: new Date(now - 48 * HOUR),
            scanner: { name: 'trivy', version: '0.58.1', dbVersion: OLD_DB },
            os: null,
            verdict: { outcome: 'pass', reasons: [] },
            findings: parseTrivyReportJson(reportWith([LOW]), 'seed').findings,
        });
        // A push scan an hour ago used the current DB: that is how the selection knows it.
        await store.recordScan({
            registry: server.loginServer,
            repository: 'quarantine/other',
            digest: server.registry.putImage({ repository: 'quarantine/other', tags: ['1'] }),
            tag: '1',
            scanId: 'push-seed-other',
            scannedAt: new Date(now - HOUR),
            scanner: { name: 'trivy', version: '0.58.1', dbVersion: CURRENT_DB },
            os: null,
            verdict: { outcome: 'pass', reasons: [] },
            findings: [],
        });

        const host = await startHost();
        try {
            const runsBefore = server.runs().length;
            await host.runTimer('rescanSelection');
            await host.idle(60_000);
            // One rescan ran, of the live image, by digest.
            expect(server.runs().slice(runsBefore).map((r) => r.values['imageRef'])).toEqual([`${server.loginServer}/live/shop@${digest}`]);
            const summary = await store.getSummary(digest);
            expect(summary).toMatchObject({ verdict: { outcome: 'fail' }, scanner: { dbVersion: CURRENT_DB } });

            const alerts = (await new AlertStore(table(tables.alerts)).list({ kind: 'new-vulnerabilities' })).map((a) => a.alert);
            expect(alerts).toHaveLength(1);
            expect(alerts[0]).toMatchObject({ subject: { repository: 'live/shop', digest }, detectedBy: ['rescan'] });
            expect(alerts[0]!.details.vulnerabilities?.map((v) => [v.id, v.pkgName, v.severity])).toEqual([[CRITICAL, 'libidn2-0', 'CRITICAL']]);

            // The next run finds it judged with the current DB: nothing queued, and the run says why.
            await host.runTimer('rescanSelection');
            await host.idle(60_000);
            expect(server.runs().length).toBe(runsBefore + 1);
            const runs = await new TableRescanLedger(table(tables.rescanRequests), table(tables.rescanRuns)).listRuns();
            expect(runs.map((r) => [r.queued, r.queuedByReason, r.skippedByReason])).toEqual([
                [1, { 'db-version-advanced': 1 }, {}],
                [0, {}, { 'scanned-recently': 1 }],
            ]);
            // Rescans never travel on the push lane.
            expect((await new QueueClient(azurite.connectionString, queues.scanRequests).getProperties()).approximateMessagesCount).toBe(0);
        } finally {
            await host.stop();
        }
    }, 120_000);

    it('a push scan does not wait behind 50 queued rescans: it is among the first scans run', async () => {
        report = reportWith([LOW]);
        const message = (repository: string, digest: string, reason: ScanReason, i: number) =>
            encodeScanRequest({
                schema: SCAN_REQUEST_SCHEMA,
                version: SCAN_REQUEST_VERSION,
                requestId: `${reason}-lane-${i}`,
                registry: server.loginServer,
                repository,
                digest,
                tag: 'v1',
                reason,
                requestedAt: new Date().toISOString(),
                sourceEventId: null,
            });
        const rescans = new QueueClient(azurite.connectionString, queues.rescanRequests);
        const pushes = new QueueClient(azurite.connectionString, queues.scanRequests);
        await rescans.createIfNotExists();
        await pushes.createIfNotExists();
        for (let i = 0; i < 50; i++) await rescans.sendMessage(message(`live/bulk${i}`, server.registry.putImage({ repository: `live/bulk${i}`, tags: ['v1'] }), 'rescan', i));
        // The push arrives last, behind the whole backlog.
        const pushed = server.registry.putImage({ repository: 'quarantine/urgent', tags: ['v1'] });
        await pushes.sendMessage(message('quarantine/urgent', pushed, 'push', 0));

        const first = server.runs().length;
        const host = await startHost();
        try {
            await host.idle(120_000);
        } finally {
            await host.stop();
        }
        const order = server.runs().slice(first).map((_, i) => digestOfRun(first + i));
        expect(order).toHaveLength(51);
        const position = order.indexOf(pushed);
        // In one FIFO queue it would be 51st. On its own lane it is picked up with the first
        // batches (host.json batchSize 8, one batch per lane at a time) while most rescans still wait.
        expect(position).toBeGreaterThanOrEqual(0);
        expect(position).toBeLessThan(16);
        expect(order.length - position - 1).toBeGreaterThanOrEqual(35);
    }, 180_000);
});
