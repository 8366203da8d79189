import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogsClient } from '../../shared/azure/logsClient';
import { LogAnalyticsLiveImages } from '../../shared/rescan/logAnalyticsLiveImages';
import { RescanSelection, rescanRequestId } from '../../shared/rescan/rescanSelection';
import { startLogAnalyticsServer, type LogAnalyticsServer } from '../log-analytics-server/logAnalyticsServer';
import { freshStore, passVerdict, randomDigest, scanOf } from '../results/support';
import { FakeTokenCredential } from '../support/fakeTokenCredential';
import { freshLedgerAndQueue, queueContents } from './support';

/*
 * Selection "pulled": digests pulled from live/ in the last N days, read from the registry's
 * resource logs through @azure/monitor-query-logs (queryResource) against the Log Analytics
 * stand-in. The stand-in does not run KQL (see its header): it applies the request's timespan,
 * the prefix and isnotempty(Digest); the rest of the query is checked as text.
 */
const REGISTRY_ID = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/contoso';
const NOW = new Date('2026-11-22T03:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();
const DB = '2026-11-21T06:13:07Z';

let logs: LogAnalyticsServer;

beforeAll(async () => {
    logs = await startLogAnalyticsServer();
});

afterAll(async () => {
    await logs?.close();
});

describe('RescanSelection over the pull logs (selection "pulled")', () => {
    it('considers only digests pulled from live/ within the window, ignores malformed rows, and applies the same skips', async () => {
        const hot = randomDigest(); // pulled twice, judged with an old DB: rescan once
        const current = randomDigest(); // pulled, judged with the current DB: skip
        const stale = randomDigest(); // last pulled 40 days ago: outside the window
        const quarantined = randomDigest(); // pulled from quarantine/: not live
        logs.seed(REGISTRY_ID, [
            { TimeGenerated: daysAgo(2), OperationName: 'Pull', Repository: 'live/web', Tag: '1.0', Digest: hot },
            { TimeGenerated: daysAgo(1), OperationName: 'Pull', Repository: 'live/web', Tag: '1.0', Digest: hot },
            { TimeGenerated: daysAgo(3), OperationName: 'Pull', Repository: 'live/api', Tag: '2.0', Digest: current },
            { TimeGenerated: daysAgo(40), OperationName: 'Pull', Repository: 'live/old', Tag: '0.1', Digest: stale },
            { TimeGenerated: daysAgo(1), OperationName: 'Pull', Repository: 'quarantine/web', Tag: 'q', Digest: quarantined },
            // A push into live/ is not a pull.
            { TimeGenerated: daysAgo(1), OperationName: 'Push', Repository: 'live/pushed', Tag: '1.0', Digest: randomDigest() },
            // Log rows are outside data: a malformed digest or repository name is ignored and counted.
            { TimeGenerated: daysAgo(1), OperationName: 'Pull', Repository: 'live/web', Tag: '1.0', Digest: 'sha256:not-a-digest' },
            { TimeGenerated: daysAgo(1), OperationName: 'Pull', Repository: 'live/Web$(x)', Tag: '1.0', Digest: randomDigest() },
        ]);
        const connection = inject('azuriteConnectionString');
        const { store } = await freshStore(connection);
        const record = (digest: string, dbVersion: string) =>
            store.recordScan(scanOf(digest, [], { scannedAt: new Date(daysAgo(2)), verdict: passVerdict, scanner: { name: 'trivy', version: '0.58.1', dbVersion } }));
        await record(hot, '2026-11-19T06:13:07Z');
        await record(current, DB);

        const credential = new FakeTokenCredential();
        const { ledger, queue, sink } = await freshLedgerAndQueue(connection);
        const selection = new RescanSelection({
            mode: 'pulled',
            source: new LogAnalyticsLiveImages(createLogsClient(logs.url, credential, { tlsOptions: { ca: logs.ca }, retryOptions: { maxRetries: 0 } }), REGISTRY_ID, 'live/', 30, () => NOW),
            store,
            ledger,
            requests: sink,
            registry: 'contoso.azurecr.io',
            minIntervalMs: 12 * 3_600_000,
            maxVerdictAgeMs: 7 * 86_400_000,
            perMinute: 100,
            now: () => NOW,
        });
        const run = await selection.run();
        expect(run).toMatchObject({ selection: 'pulled', currentDbVersion: DB, candidates: 2, ignored: 2, queued: 1, queuedByReason: { 'db-version-advanced': 1 }, skippedByReason: { 'current-db-version': 1 } });
        expect((await queueContents(queue)).visible).toEqual([expect.objectContaining({ digest: hot, repository: 'live/web', tag: '1.0', reason: 'rescan', requestId: rescanRequestId(hot, DB) })]);

        // One resource-context query on the registry, with the window as the request's timespan too.
        expect(logs.requests).toHaveLength(1);
        const [request] = logs.requests;
        expect(request!.resourceId).toBe(REGISTRY_ID);
        expect(request!.timespan).toBe(`${daysAgo(30)}/${NOW.toISOString()}`);
        expect(request!.query).toContain('| where OperationName == "Pull"');
        expect(request!.query).toContain('| where TimeGenerated > ago(30d)');
        expect(request!.query).toContain('| summarize LastPulled = max(TimeGenerated)');
        expect(credential.requestedScopes).toContain(`${new URL(logs.url).origin}/.default`);
    });

    it('fails the run rather than act on a failed query', async () => {
        logs.failNext(403, 'InsufficientAccessError', 'The provided credentials have insufficient access to perform the requested operation');
        const source = new LogAnalyticsLiveImages(createLogsClient(logs.url, new FakeTokenCredential(), { tlsOptions: { ca: logs.ca }, retryOptions: { maxRetries: 0 } }), REGISTRY_ID, 'live/', 30, () => NOW);
        await expect(source.listLiveImages()).rejects.toMatchObject({ statusCode: 403 });
    });
});
