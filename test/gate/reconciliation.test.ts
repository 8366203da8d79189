import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogsClient } from '../../shared/azure/logsClient';
import { buildLiveWritesQuery, UnsafeQueryValue } from '../../shared/gate/liveWritesQuery';
import { Reconciler } from '../../shared/gate/reconciler';
import { startAcrServer, type AcrServer } from '../acr-server/acrServer';
import { startLogAnalyticsServer, type LogAnalyticsServer } from '../log-analytics-server/logAnalyticsServer';
import { FakeTokenCredential } from '../support/fakeTokenCredential';
import { gateParts, randomHex } from './support';

let acr: AcrServer;
let logs: LogAnalyticsServer;
let credential: FakeTokenCredential;

beforeAll(async () => {
    acr = await startAcrServer({ azuriteConnectionString: inject('azuriteConnectionString') });
    logs = await startLogAnalyticsServer();
    credential = new FakeTokenCredential();
});
afterAll(async () => {
    await logs?.close();
    await acr?.close();
});

const MINUTE = 60_000;

describe('reconciliation query (KQL from validated values only)', () => {
    const window = { start: new Date('2026-11-01T10:00:00Z'), end: new Date('2026-11-01T11:00:00Z'), maxRows: 100 };

    it('reads pushes and imports into the live prefix over the window', () => {
        expect(buildLiveWritesQuery({ ...window, livePrefix: 'live/' })).toBe(
            [
                'ContainerRegistryRepositoryEvents',
                '| where TimeGenerated >= datetime(2026-11-01T10:00:00.000Z) and TimeGenerated < datetime(2026-11-01T11:00:00.000Z)',
                '| where Repository startswith "live/"',
                '| where OperationName =~ "Push" or OperationName =~ "importImage"',
                '| where isnotempty(Digest)',
                '| where not(ResultDescription startswith "4" or ResultDescription startswith "5")',
                '| project TimeGenerated, OperationName, LoginServer, Repository, Tag, Digest, Identity, UserAgent, CallerIpAddress, CorrelationId, ResultDescription',
                '| order by TimeGenerated asc',
                '| take 100',
            ].join('\n'),
        );
    });

    it('throws on hostile or malformed values instead of escaping them', () => {
        for (const livePrefix of ['live/" or 1==1 //', 'live/"\n| union SigninLogs', 'Live/', 'live', "live/'", 'live/\\"/']) {
            expect(() => buildLiveWritesQuery({ ...window, livePrefix })).toThrow(UnsafeQueryValue);
        }
        expect(() => buildLiveWritesQuery({ ...window, livePrefix: 'live/', start: new Date('nope') })).toThrow(UnsafeQueryValue);
        expect(() => buildLiveWritesQuery({ ...window, livePrefix: 'live/', maxRows: 1.5 })).toThrow(UnsafeQueryValue);
        expect(() => buildLiveWritesQuery({ ...window, livePrefix: 'live/', start: window.end })).toThrow(UnsafeQueryValue);
    });

    it('refuses a registry id that is not an ACR ARM id', async () => {
        const parts = await gateParts(inject('azuriteConnectionString'), acr);
        const client = createLogsClient(logs.url, credential, { tlsOptions: { ca: logs.ca } });
        for (const registryResourceId of ['/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/s', `${acr.registryResourceId}" | take 1`, '../../etc']) {
            expect(() => new Reconciler({ logs: client, ledger: parts.ledger, responder: parts.responder, checkpoints: parts.checkpoints }, { registryResourceId, livePrefix: 'live/', lookbackMinutes: 60, overlapMinutes: 10 })).toThrow(UnsafeQueryValue);
        }
    });
});

describe('reconciler against the Log Analytics stand-in', () => {
    it('alerts on unpromoted live writes once, skips promoted and hostile rows, and moves the checkpoint with overlap', async () => {
        const parts = await gateParts(inject('azuriteConnectionString'), acr, { lockImages: true });
        let now = new Date('2026-11-20T12:00:00Z');
        const client = createLogsClient(logs.url, credential, { tlsOptions: { ca: logs.ca } });
        const reconciler = new Reconciler(
            { logs: client, ledger: parts.ledger, responder: parts.responder, checkpoints: parts.checkpoints },
            { registryResourceId: acr.registryResourceId, livePrefix: 'live/', lookbackMinutes: 120, overlapMinutes: 10, now: () => now },
        );
        const promoted = acr.registry.putImage({ repository: 'quarantine/rec/app', tags: ['1'] });
        await parts.promoter.promote({ registry: acr.loginServer, sourceRepository: 'quarantine/rec/app', digest: promoted, tag: '1', requestedBy: 'auto' });
        const sneaked = acr.registry.putImage({ repository: 'live/rec/app', tags: ['evil'] });
        const importedFromElsewhere = `sha256:${randomHex()}`;
        const hostileTag = `sha256:${randomHex()}`;
        logs.seed(acr.registryResourceId, [
            { TimeGenerated: '2026-11-20T11:00:00Z', OperationName: 'importImage', Repository: 'live/rec/app', Tag: '1', Digest: promoted, LoginServer: acr.loginServer, Identity: 'gate-identity', ResultDescription: '200' },
            { TimeGenerated: '2026-11-20T11:10:00Z', OperationName: 'Push', Repository: 'live/rec/app', Tag: 'evil', Digest: sneaked, LoginServer: acr.loginServer, Identity: 'mallory', UserAgent: 'docker/27.0', CorrelationId: 'corr-1', ResultDescription: '201' },
            { TimeGenerated: '2026-11-20T11:11:00Z', OperationName: 'Push', Repository: 'live/rec/app', Tag: 'evil', Digest: sneaked, LoginServer: acr.loginServer, Identity: 'mallory', ResultDescription: '201' },
            { TimeGenerated: '2026-11-20T11:20:00Z', OperationName: 'importImage', Repository: 'live/rec/other', Tag: 'x', Digest: importedFromElsewhere, Identity: 'ci', ResultDescription: '200' },
            // Hostile values from the log are validated and skipped, never used.
            { TimeGenerated: '2026-11-20T11:30:00Z', OperationName: 'Push', Repository: 'live/rec/app" | take 1', Tag: '1', Digest: hostileTag, ResultDescription: '201' },
            { TimeGenerated: '2026-11-20T11:31:00Z', OperationName: 'Push', Repository: 'live/rec/app', Tag: 'bad tag;', Digest: hostileTag, ResultDescription: '201' },
            // Outside the prefix, a failed push, a pull, and a row older than the lookback: not returned.
            { TimeGenerated: '2026-11-20T11:40:00Z', OperationName: 'Push', Repository: 'quarantine/rec/app', Tag: '2', Digest: `sha256:${randomHex()}`, ResultDescription: '201' },
            { TimeGenerated: '2026-11-20T11:41:00Z', OperationName: 'Push', Repository: 'live/rec/app', Tag: '3', Digest: `sha256:${randomHex()}`, ResultDescription: '403' },
            { TimeGenerated: '2026-11-20T11:42:00Z', OperationName: 'Pull', Repository: 'live/rec/app', Tag: '1', Digest: promoted, ResultDescription: '200' },
            { TimeGenerated: '2026-11-20T08:00:00Z', OperationName: 'Push', Repository: 'live/rec/app', Tag: 'old', Digest: `sha256:${randomHex()}`, ResultDescription: '201' },
        ]);
        const mark = logs.requests.length;
        const report = await reconciler.run();
        expect(report).toMatchObject({ rows: 6, invalidRows: 2, images: 3, promoted: 1, bypasses: 2, newAlerts: 2, window: { start: '2026-11-20T10:00:00.000Z', end: '2026-11-20T12:00:00.000Z' }, checkpoint: '2026-11-20T12:00:00.000Z' });

        const request = logs.requests[mark]!;
        expect(request.resourceId).toBe(acr.registryResourceId);
        expect(request.path).toBe(`/v1${acr.registryResourceId}/query`);
        expect(request.authorization).toMatch(/^Bearer fake-entra-token:https:\/\/127\.0\.0\.1:\d+\/\.default$/);
        expect(request.timespan).toBe('2026-11-20T10:00:00.000Z/2026-11-20T12:00:00.000Z');
        expect(request.query).toBe(report.query);
        expect(request.query).not.toContain('mallory');
        expect(request.query).not.toContain('take 1"');

        const bypasses = await parts.alertStore.list({ kind: 'quarantine-bypass' });
        expect(bypasses.map((b) => b.alert.subject.digest).sort()).toEqual([importedFromElsewhere, sneaked].sort());
        const sneakedAlert = bypasses.find((b) => b.alert.subject.digest === sneaked)!.alert;
        expect(sneakedAlert).toMatchObject({ detectedBy: ['reconciliation'], occurrences: 1, details: { actor: 'mallory', userAgent: 'docker/27.0', requestHost: acr.loginServer, time: '2026-11-20T11:10:00.000Z', operation: 'Push', sourceId: 'corr-1' } });
        expect(await parts.locks.get('live/rec/app', sneaked)).toMatchObject({ tags: ['evil'], alertId: sneakedAlert.alertId });
        expect(acr.registry.tag('live/rec/app', 'evil')?.attributes.readEnabled).toBe(false);
        // The image imported from elsewhere is not in the stand-in registry: the lock fails and says so.
        expect((await parts.alertStore.list({ kind: 'lock-failed' })).map((a) => a.alert.subject.digest)).toEqual([importedFromElsewhere]);

        // Next run: from the checkpoint minus the overlap; the same rows re-read raise nothing new.
        now = new Date(now.getTime() + 5 * MINUTE);
        logs.seed(acr.registryResourceId, [{ TimeGenerated: '2026-11-20T11:55:00Z', OperationName: 'Push', Repository: 'live/rec/app', Tag: 'evil', Digest: sneaked, ResultDescription: '201' }]);
        const second = await reconciler.run();
        expect(second).toMatchObject({ window: { start: '2026-11-20T11:50:00.000Z', end: '2026-11-20T12:05:00.000Z' }, rows: 1, bypasses: 1, newAlerts: 0 });
        expect((await parts.alertStore.list({ kind: 'quarantine-bypass' })).find((b) => b.alert.subject.digest === sneaked)?.alert.occurrences).toBe(2);
        expect(acr.registry.events.filter((e) => e.kind === 'attributes' && e.digest === sneaked && e.target === 'manifest')).toHaveLength(1);
    });

    it('continues after a capped answer instead of re-reading the same capped rows through the overlap', async () => {
        const parts = await gateParts(inject('azuriteConnectionString'), acr);
        const client = createLogsClient(logs.url, credential, { tlsOptions: { ca: logs.ca } });
        const registryResourceId = acr.registryResourceId.replace(/[^/]+$/, `capped${randomHex().slice(0, 8)}`);
        let now = new Date('2026-11-22T12:00:00Z');
        const reconciler = new Reconciler(
            { logs: client, ledger: parts.ledger, responder: parts.responder, checkpoints: parts.checkpoints },
            { registryResourceId, livePrefix: 'live/', lookbackMinutes: 120, overlapMinutes: 10, maxRows: 2, now: () => now },
        );
        // Three unpromoted writes within the overlap of each other: more than one answer holds.
        const digests = [randomHex(), randomHex(), randomHex()].map((h) => `sha256:${h}`);
        logs.seed(registryResourceId, digests.map((Digest, i) => ({ TimeGenerated: `2026-11-22T11:0${i}:00Z`, OperationName: 'Push', Repository: 'live/capped/app', Tag: `t${i}`, Digest, ResultDescription: '201' })));

        const first = await reconciler.run();
        expect(first).toMatchObject({ rows: 2, bypasses: 2, checkpoint: '2026-11-22T11:01:00.000Z' });
        now = new Date(now.getTime() + 5 * MINUTE);
        const second = await reconciler.run();
        expect(second).toMatchObject({ window: { start: '2026-11-22T11:01:00.000Z' }, rows: 2, newAlerts: 1, checkpoint: '2026-11-22T11:02:00.000Z' });
        const alerted = (await parts.alertStore.list({ kind: 'quarantine-bypass' })).map((a) => a.alert.subject.digest);
        expect(alerted.sort()).toEqual([...digests].sort());
    });

    it('does not advance the checkpoint when the query fails', async () => {
        const parts = await gateParts(inject('azuriteConnectionString'), acr);
        const client = createLogsClient(logs.url, credential, { tlsOptions: { ca: logs.ca }, retryOptions: { maxRetries: 0 } });
        const reconciler = new Reconciler(
            { logs: client, ledger: parts.ledger, responder: parts.responder, checkpoints: parts.checkpoints },
            { registryResourceId: acr.registryResourceId, livePrefix: 'live/', lookbackMinutes: 60, overlapMinutes: 10, now: () => new Date('2026-11-21T00:00:00Z') },
        );
        logs.failNext(403, 'InsufficientAccessError', 'The provided credentials have insufficient access to perform the requested operation');
        await expect(reconciler.run()).rejects.toMatchObject({ statusCode: 403 });
        expect(await parts.checkpoints.get(acr.registryResourceId)).toBeNull();
    });
});
