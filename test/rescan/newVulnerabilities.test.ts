import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAlertService } from '../../shared/alerts/createAlertService';
import { AlertStore } from '../../shared/alerts/alertStore';
import { DEFAULT_POLICY } from '../../shared/policy/gatePolicy';
import { NewVulnerabilityObserver } from '../../shared/rescan/newVulnerabilityObserver';
import type { AlertRaiser } from '../../shared/scan/scanAlertObserver';
import type { ScanPipeline } from '../../shared/scan/scanPipeline';
import { SCAN_REQUEST_SCHEMA, SCAN_REQUEST_VERSION, type ScanReason, type ScanRequest } from '../../shared/scan/scanRequest';
import { readStorageConnection } from '../../shared/config/storageConnection';
import { startAcrServer, type AcrServer } from '../acr-server/acrServer';
import { trivyImageScanRun } from '../acr-server/trivyScanRun';
import { freshStore } from '../results/support';
import { suffix } from './support';
import { scanToEnd, testPipeline } from '../scan/support';

/*
 * The diff through the real scan pipeline: AcrTaskScanner against the ACR test server (Trivy's
 * report out of the run log), the Table results store and the alert service on Azurite, the real
 * gate policy evaluation. Reports are the real debian-buster sample (one CRITICAL fixable CVE in
 * libidn2-0, one LOW unfixable in bash) with vulnerabilities removed to play "before".
 */
const fixture = readFileSync(path.resolve(__dirname, '../../../shared/fixtures/trivy/debian-buster.golden.json'), 'utf8');
const CRITICAL = 'CVE-2019-18224';
const LOW = 'CVE-2019-18276';

/** The sample with only the vulnerabilities whose ids are listed. */
function reportWith(ids: readonly string[]): string {
    const report = JSON.parse(fixture) as { Results: { Vulnerabilities?: { VulnerabilityID: string }[] }[] };
    for (const result of report.Results) if (result.Vulnerabilities) result.Vulnerabilities = result.Vulnerabilities.filter((v) => ids.includes(v.VulnerabilityID));
    return JSON.stringify(report, null, 2);
}

let server: AcrServer;
let pipeline: ScanPipeline;
/** The same pipeline with the new-vulnerability observer's alerts failing on their first raise. */
let flakyPipeline: ScanPipeline;
let queue: QueueClient;
let flakyQueue: QueueClient;
let flakyRaises = 0;
let store: Awaited<ReturnType<typeof freshStore>>['store'];
let alerts: AlertStore;
let report = reportWith([]);
const silent = { log: () => {}, warn: () => {}, error: () => {} };

beforeAll(async () => {
    const connectionString = inject('azuriteConnectionString');
    server = await startAcrServer({ azuriteConnectionString: connectionString });
    server.onRun(trivyImageScanRun(() => report));
    ({ store } = await freshStore(connectionString));
    const alertTable = TableClient.fromConnectionString(connectionString, `alerts${suffix()}`, { allowInsecureConnection: true });
    await alertTable.createTable();
    alerts = new AlertStore(alertTable);
    const storage = readStorageConnection('TEST', { TEST: connectionString });
    const alertService = createAlertService(
        { storage, alertTopicEndpoint: undefined, alertWebhookUrl: undefined, alertWebhookFormat: 'auto', alertWebhookTimeoutSeconds: 10 },
        { tableClient: alertTable, logWriter: () => {} },
    );
    // Every rescan runs (no verdict is reused), as the rescan selection asked for a new scan.
    ({ pipeline, queue } = await testPipeline(server, connectionString, {
        store,
        policy: DEFAULT_POLICY,
        observers: [new NewVulnerabilityObserver(alertService, () => DEFAULT_POLICY)],
        // A failed run is replaced once, then the error verdict is recorded.
        maxDequeueCount: 2,
        reuseWithinMs: 0,
    }));
    // The alert service is down for the first raise (a network blip): the observer fails, the host redelivers.
    const flakyAlerts: AlertRaiser = {
        raise: async (input) => {
            flakyRaises++;
            if (flakyRaises === 1) throw new Error('alert store unavailable');
            return alertService.raise(input);
        },
    };
    ({ pipeline: flakyPipeline, queue: flakyQueue } = await testPipeline(server, connectionString, {
        store,
        policy: DEFAULT_POLICY,
        observers: [new NewVulnerabilityObserver(flakyAlerts, () => DEFAULT_POLICY)],
        maxDequeueCount: 5,
        reuseWithinMs: 0,
    }));
});

afterAll(async () => {
    await server?.close();
});

let n = 0;
function request(repository: string, digest: string, reason: ScanReason): ScanRequest {
    n++;
    return {
        schema: SCAN_REQUEST_SCHEMA,
        version: SCAN_REQUEST_VERSION,
        requestId: `${reason}-${suffix()}-${n}`,
        registry: server.loginServer,
        repository,
        digest,
        tag: '1.0',
        reason,
        requestedAt: new Date().toISOString(),
        sourceEventId: null,
    };
}

async function scan(image: { repository: string; digest: string }, reason: ScanReason, ids: readonly string[]) {
    report = reportWith(ids);
    return (await scanToEnd(pipeline, queue, request(image.repository, image.digest, reason), { maxDequeueCount: 2, log: silent })).final;
}

/** The same image (digest) in another repository, as a promotion or a push of the same bytes leaves it. */
const alsoIn = (from: string, digest: string, repository: string) =>
    server.registry.importManifest({ sourceRepository: from, sourceReference: digest, targets: [{ repository, tag: '1.0' }], mode: 'Force' });

const newVulnerabilityAlerts = async (digest: string) => (await alerts.list({ kind: 'new-vulnerabilities' })).filter((a) => a.alert.subject.digest === digest).map((a) => a.alert);

describe('new-vulnerability alerts on rescans', () => {
    it('alerts once, listing exactly the new blocking vulnerability; nothing new → no alert; a failed rescan keeps the last good verdict and raises none', async () => {
        const digest = server.registry.putImage({ repository: 'live/app', tags: ['1.0'] });
        alsoIn('live/app', digest, 'quarantine/app');
        const live = { repository: 'live/app', digest };
        // The verdict it was promoted with: only the LOW, unfixable bash finding.
        expect(await scan({ repository: 'quarantine/app', digest }, 'push', [LOW])).toMatchObject({ status: 'scanned', verdict: { outcome: 'pass' } });

        // A rescan with a newer DB finds the CRITICAL, fixable libidn2-0 CVE: one alert, exactly it.
        expect(await scan(live, 'rescan', [LOW, CRITICAL])).toMatchObject({ verdict: { outcome: 'fail' } });
        const raised = await newVulnerabilityAlerts(digest);
        expect(raised).toHaveLength(1);
        expect(raised[0]).toMatchObject({ severity: 'high', detectedBy: ['rescan'], subject: { repository: 'live/app', digest, tag: '1.0' } });
        expect(raised[0]!.details.vulnerabilities).toEqual([{ id: CRITICAL, severity: 'CRITICAL', pkgName: 'libidn2-0', installedVersion: '2.0.5-1', fixedVersion: '2.0.5-1+deb10u1' }]);
        expect(raised[0]!.details.vulnerabilityCount).toBe(1);

        // Rescanned again with the same findings: nothing new, no second alert, no new occurrence.
        await scan(live, 'rescan', [LOW, CRITICAL]);
        expect((await newVulnerabilityAlerts(digest)).map((a) => a.occurrences)).toEqual([1]);

        // A failed rescan: verdict error recorded as lastError, the last good verdict and its findings kept, no alert.
        server.onRun(() => ({ status: 'Failed', log: 'error: pulling image: toomanyrequests', errorMessage: 'step failed' }));
        try {
            expect(await scan(live, 'rescan', [])).toMatchObject({ status: 'scanned', verdict: { outcome: 'error' }, recorded: 'error-recorded' });
        } finally {
            server.onRun(trivyImageScanRun(() => report));
        }
        const summary = await store.getSummary(digest);
        expect(summary?.verdict.outcome).toBe('fail');
        expect(summary?.lastError?.reasons[0]?.code).toBe('scanner-error');
        expect((await store.listFindings(digest)).map((f) => f.vulnerabilityId).sort()).toEqual([CRITICAL, LOW]);
        expect((await newVulnerabilityAlerts(digest)).map((a) => a.occurrences)).toEqual([1]);
    });

    it('raises nothing when the only new findings are ones the policy does not block', async () => {
        const digest = server.registry.putImage({ repository: 'live/quiet', tags: ['1.0'] });
        alsoIn('live/quiet', digest, 'quarantine/quiet');
        await scan({ repository: 'quarantine/quiet', digest }, 'push', []);
        // New, but LOW and unfixable: the default policy blocks fixable CRITICAL/HIGH only.
        expect(await scan({ repository: 'live/quiet', digest }, 'rescan', [LOW])).toMatchObject({ verdict: { outcome: 'pass' } });
        expect(await newVulnerabilityAlerts(digest)).toEqual([]);
    });

    it('lists only the new findings that block when a rescan brings blocking and non-blocking ones together', async () => {
        const digest = server.registry.putImage({ repository: 'live/mixed', tags: ['1.0'] });
        alsoIn('live/mixed', digest, 'quarantine/mixed');
        await scan({ repository: 'quarantine/mixed', digest }, 'push', []);
        await scan({ repository: 'live/mixed', digest }, 'rescan', [LOW, CRITICAL]);
        const raised = await newVulnerabilityAlerts(digest);
        expect(raised.map((a) => a.details.vulnerabilities?.map((v) => v.id))).toEqual([[CRITICAL]]);
    });

    it('raises the alert on redelivery when the observer failed on the first delivery: exactly one alert listing the new CVE', async () => {
        const digest = server.registry.putImage({ repository: 'live/retry', tags: ['1.0'] });
        alsoIn('live/retry', digest, 'quarantine/retry');
        await scan({ repository: 'quarantine/retry', digest }, 'push', [LOW]);
        report = reportWith([LOW, CRITICAL]);
        const rescan = request('live/retry', digest, 'rescan');
        // The delivery that records fails (the observer's alert fails); the host redelivers it: no new
        // scan, the same new findings rebuilt from the store, the alert raised.
        const runs = server.runs().length;
        const { final, errors } = await scanToEnd(flakyPipeline, flakyQueue, rescan, { maxDequeueCount: 5, log: silent });
        expect(errors.map(String)).toEqual([expect.stringMatching(/alert store unavailable/)]);
        expect(flakyRaises).toBe(2);
        // The delivery that recorded threw; its redelivery answered from the record.
        expect(final).toEqual({ status: 'already-scanned', scanId: rescan.requestId });
        expect((await store.getSummary(digest))?.verdict.outcome).toBe('fail');
        expect(server.runs()).toHaveLength(runs + 1);
        const raised = await newVulnerabilityAlerts(digest);
        expect(raised).toHaveLength(1);
        expect(raised[0]!.details.vulnerabilities?.map((v) => [v.id, v.pkgName, v.severity])).toEqual([[CRITICAL, 'libidn2-0', 'CRITICAL']]);
        expect(raised[0]!.details.sourceId).toBe(rescan.requestId);

        // Delivered once more: answered already, nothing told twice; still one alert.
        expect((await scanToEnd(flakyPipeline, flakyQueue, rescan, { maxDequeueCount: 5, log: silent })).final).toEqual({ status: 'already-scanned', scanId: rescan.requestId });
        expect(await newVulnerabilityAlerts(digest)).toHaveLength(1);
    });

    it('leaves push scans to the quarantine alerts: a first scan with blocking findings raises no new-vulnerability alert', async () => {
        const digest = server.registry.putImage({ repository: 'quarantine/fresh', tags: ['1.0'] });
        expect(await scan({ repository: 'quarantine/fresh', digest }, 'push', [LOW, CRITICAL])).toMatchObject({ verdict: { outcome: 'fail' } });
        expect(await newVulnerabilityAlerts(digest)).toEqual([]);
    });
});
