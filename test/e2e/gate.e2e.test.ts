import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The local host (through appHost) must be imported before anything that registers functions.
import { startAppHost } from '../support/appHost';
import type { LocalHost } from '../../local-host';
import { startAzurite, type AzuriteInstance } from '../../local-host/azurite';
import { AlertStore } from '../../shared/alerts/alertStore';
import { services } from '../../functions/services';
import { TableScanResultStore } from '../../shared/results/tableScanResultStore';
import { readStorageConnection } from '../../shared/config/storageConnection';
import { tables } from '../../shared/storage/names';
import { startAcrServer, type AcrServer } from '../acr-server/acrServer';
import { trivyImageScanRun } from '../acr-server/trivyScanRun';
import { trivyFixture } from '../scan/support';
import { startLogAnalyticsServer, type LogAnalyticsServer } from '../log-analytics-server/logAnalyticsServer';
import { passVerdict, failVerdict, scanOf } from '../results/support';
import { testAzureAccess } from '../support/testAzureAccess';
import { azuriteTable, imagePushed } from '../support/intakeFixtures';
import { appEnv } from '../support/appEnv';

/*
 * The quarantine gate end to end through the local host: real Azurite, the ACR stand-in (ARM
 * importImage LRO, data plane, Trivy task runs, locking) and the Log Analytics stand-in. Event
 * Grid deliveries go to the real intake webhook; a quarantine push is scanned by the real scan
 * worker, whose verdict observer promotes; the live check runs behind intake's seam.
 */
const POLICY = path.resolve(__dirname, '../fixtures/gate/gate-policy.json');

let azurite: AzuriteInstance;
let acr: AcrServer;
let logs: LogAnalyticsServer;
let host: LocalHost;
let alerts: AlertStore;
let results: TableScanResultStore;

const webhook = () => `${host.baseUrl}/runtime/webhooks/eventgrid?functionName=registryEventIntake`;
const deliver = (events: unknown[]) =>
    fetch(webhook(), { method: 'POST', headers: { 'aeg-event-type': 'Notification', 'content-type': 'application/json' }, body: JSON.stringify(events) });
const pushEvent = (id: string, repository: string, digest: string, tag: string) => {
    const e = imagePushed(id, repository, digest.slice('sha256:'.length), tag);
    return { ...e, data: { ...e.data, actor: { name: 'mallory@contoso.com' }, request: { ...e.data.request, host: acr.loginServer, useragent: 'docker/27.1.1 go/go1.22' } } };
};
const bypassAlerts = async (digest: string) => (await alerts.list({ kind: 'quarantine-bypass' })).filter((a) => a.alert.subject.digest === digest);
const attributeChanges = (digest: string) => acr.registry.events.filter((e) => e.kind === 'attributes' && e.digest === digest);
const approve = (body: unknown, key: string | null = host.functionKey) =>
    fetch(`${host.baseUrl}/api/promotions`, { method: 'POST', headers: { 'content-type': 'application/json', ...(key ? { 'x-functions-key': key } : {}) }, body: JSON.stringify(body) });

beforeAll(async () => {
    azurite = await startAzurite();
    acr = await startAcrServer({ azuriteConnectionString: azurite.connectionString });
    logs = await startLogAnalyticsServer();
    // The network boundary only: a fake Entra token and trust in the two stand-ins' certificates.
    host = await startAppHost({
        azurite,
        composition: { access: testAzureAccess([acr.ca, logs.ca]) },
        env: appEnv({
            azurite,
            acr,
            extra: {
                ACR_GUARD_LOG_ANALYTICS_ENDPOINT: logs.url,
                ACR_GUARD_LOCK_BYPASSED_IMAGES: 'true',
                ACR_GUARD_GATE_POLICY_PATH: POLICY,
            },
        }),
    });
    const connection = readStorageConnection('TEST', { TEST: azurite.connectionString });
    alerts = new AlertStore(azuriteTable(azurite.connectionString, tables.alerts));
    results = TableScanResultStore.fromConnection(connection);
});

afterAll(async () => {
    await host?.stop();
    await logs?.close();
    await acr?.close();
    await azurite?.stop();
});

describe('quarantine gate through the local host', () => {
    let promoted: string;
    let sneaked: string;

    it('push into quarantine → scan passes → import by digest; the live push the import causes raises no alert', async () => {
        promoted = acr.registry.putImage({ repository: 'quarantine/web/api', tags: ['1.0'] });
        acr.onRun(trivyImageScanRun(() => trivyFixture('cns-website-alpine-3.17-novulns.json')));
        expect((await deliver([pushEvent('q-push-1', 'quarantine/web/api', promoted, '1.0')])).status).toBe(202);
        await host.idle();
        expect(acr.runs().at(-1)!.values['imageRef']).toBe(`${acr.loginServer}/quarantine/web/api@${promoted}`);
        expect(await results.getSummary(promoted)).toMatchObject({ verdict: { outcome: 'pass' } });
        expect(acr.registry.events.filter((e) => e.kind === 'import')).toEqual([
            { kind: 'import', repository: 'live/web/api', digest: promoted, tags: ['1.0'], sourceRepository: 'quarantine/web/api', mode: 'Force' },
        ]);
        expect(acr.registry.tag('live/web/api', '1.0')?.digest).toBe(promoted);
        expect((await deliver([pushEvent('live-push-promoted', 'live/web/api', promoted, '1.0')])).status).toBe(202);
        expect(await bypassAlerts(promoted)).toEqual([]);
        expect(attributeChanges(promoted)).toEqual([]);
    });

    it('raises exactly one alert and one lock for a direct push into live, delivered three times and found by reconciliation', async () => {
        sneaked = acr.registry.putImage({ repository: 'live/web/api', tags: ['hotfix'] });
        const event = pushEvent('live-push-direct', 'live/web/api', sneaked, 'hotfix');
        for (let i = 0; i < 3; i++) expect((await deliver([event])).status).toBe(202);
        // Event Grid may also hand the same push over under a fresh event id.
        expect((await deliver([{ ...event, id: 'live-push-direct-again' }])).status).toBe(202);
        const [alert] = await bypassAlerts(sneaked);
        expect(await bypassAlerts(sneaked)).toHaveLength(1);
        expect(alert!.alert).toMatchObject({
            severity: 'critical',
            detectedBy: ['event'],
            subject: { registry: acr.loginServer, repository: 'live/web/api', tag: 'hotfix', digest: sneaked },
            details: { actor: 'mallory@contoso.com', userAgent: 'docker/27.1.1 go/go1.22', requestHost: acr.loginServer, time: '2024-05-01T10:00:00.123Z', sourceId: 'live-push-direct' },
        });
        expect(alert!.alert.deliveries.log?.status).toBe('delivered');
        // One lock: manifest and tag, read/write/delete off.
        expect(attributeChanges(sneaked).map((e) => (e.kind === 'attributes' ? e.target : ''))).toEqual(['manifest', 'tag']);
        expect(acr.registry.tag('live/web/api', 'hotfix')?.attributes).toMatchObject({ readEnabled: false, writeEnabled: false, deleteEnabled: false });
        expect(await (await services().gateStores()).locks.get('live/web/api', sneaked)).toMatchObject({ tags: ['hotfix'], alertId: alert!.alert.alertId });

        const now = new Date();
        logs.seed(acr.registryResourceId, [
            { TimeGenerated: new Date(now.getTime() - 120_000).toISOString(), OperationName: 'importImage', Repository: 'live/web/api', Tag: '1.0', Digest: promoted, LoginServer: acr.loginServer, ResultDescription: '200' },
            { TimeGenerated: new Date(now.getTime() - 60_000).toISOString(), OperationName: 'Push', Repository: 'live/web/api', Tag: 'hotfix', Digest: sneaked, LoginServer: acr.loginServer, Identity: 'mallory@contoso.com', ResultDescription: '201' },
        ]);
        await host.runTimer('reconcileLiveRepositories');
        const after = await bypassAlerts(sneaked);
        expect(after).toHaveLength(1);
        // Intake drops the two repeats of one event id; the fresh id and reconciliation count as occurrences.
        expect(after[0]!.alert).toMatchObject({ detectedBy: ['event', 'reconciliation'], occurrences: 3 });
        expect(attributeChanges(sneaked)).toHaveLength(2);
        expect(await bypassAlerts(promoted)).toEqual([]);
        const request = logs.requests.at(-1)!;
        expect(request.resourceId).toBe(acr.registryResourceId);
        expect(request.query).toContain('| where Repository startswith "live/"');
        expect(request.query).toContain('| where OperationName =~ "Push" or OperationName =~ "importImage"');
    });

    it('alerts when a live tag is moved to a digest that was never promoted', async () => {
        const moved = acr.registry.putImage({ repository: 'live/web/api', tags: ['1.0'] });
        expect(acr.registry.tag('live/web/api', '1.0')?.digest).toBe(moved);
        expect((await deliver([pushEvent('live-tag-moved', 'live/web/api', moved, '1.0')])).status).toBe(202);
        expect(await bypassAlerts(moved)).toEqual([expect.objectContaining({ alert: expect.objectContaining({ subject: expect.objectContaining({ tag: '1.0', digest: moved }) }) })]);
        expect(await bypassAlerts(promoted)).toEqual([]);
    });

    it('catches, by reconciliation alone, an import into live that sent no event', async () => {
        const quiet = acr.registry.putImage({ repository: 'live/web/quiet', tags: ['x'] });
        logs.seed(acr.registryResourceId, [{ TimeGenerated: new Date(Date.now() - 30_000).toISOString(), OperationName: 'importImage', Repository: 'live/web/quiet', Tag: 'x', Digest: quiet, Identity: 'ci-bot', ResultDescription: '200' }]);
        await host.runTimer('reconcileLiveRepositories');
        expect((await bypassAlerts(quiet)).map((a) => a.alert.detectedBy)).toEqual([['reconciliation']]);
        expect(acr.registry.tag('live/web/quiet', 'x')?.attributes.readEnabled).toBe(false);
    });

    it('retries undelivered alerts from the redelivery timer without failing', async () => {
        await expect(host.runTimer('redeliverAlerts')).resolves.toBeUndefined();
        expect((await alerts.listUndelivered()).length).toBe(0);
    });
});

describe('promotion approval endpoint', () => {
    const record = async (repository: string, tag: string, verdict = passVerdict, scannedAt = new Date()) => {
        const digest = acr.registry.putImage({ repository, tags: [tag] });
        await results.recordScan(scanOf(digest, [], { registry: acr.loginServer, repository, tag, verdict, scannedAt }));
        return digest;
    };

    it('refuses without a function key, with invalid input, and with no, failed or stale verdicts', async () => {
        const digest = await record('quarantine/app/one', '1');
        expect((await approve({ repository: 'quarantine/app/one', digest, tag: '1' }, null)).status).toBe(401);

        const invalid = await approve({ repository: 'quarantine/App One', digest: 'sha256:zz', tag: '1;rm' });
        expect(invalid.status).toBe(422);
        expect(await invalid.json()).toMatchObject({ error: 'invalid-request', reason: expect.stringMatching(/repository.*digest.*tag/s) });
        expect((await approve({ repository: 'live/app/one', digest, tag: '1' })).status).toBe(422);

        const unknown = await approve({ repository: 'quarantine/app/one', digest: `sha256:${'0'.repeat(64)}`, tag: '1' });
        expect(unknown.status).toBe(409);
        expect(await unknown.json()).toMatchObject({ error: 'no-verdict' });

        const failed = await record('quarantine/app/bad', '1', failVerdict);
        const failedAnswer = await approve({ repository: 'quarantine/app/bad', digest: failed, tag: '1' });
        expect(failedAnswer.status).toBe(409);
        expect(await failedAnswer.json()).toMatchObject({ error: 'not-passed', verdictReasons: ['fixable CRITICAL found'] });

        const old = await record('quarantine/app/old', '1', passVerdict, new Date(Date.now() - 3 * 24 * 3600_000));
        const stale = await approve({ repository: 'quarantine/app/old', digest: old, tag: '1' });
        expect(stale.status).toBe(409);
        expect(await stale.json()).toMatchObject({ error: 'scan-stale', reason: expect.stringMatching(/older than P1D/) });

        expect((await approve({ repository: 'quarantine/app/other', digest, tag: '1' })).status).toBe(409);
        expect(acr.registry.events.filter((e) => e.kind === 'import' && [digest, failed, old].includes(e.digest))).toEqual([]);
    });

    it('promotes a fresh pass once and answers the same approval again as already promoted', async () => {
        const digest = await record('quarantine/app/good', '2.0');
        const first = await approve({ repository: 'quarantine/app/good', digest, tag: '2.0' });
        expect(first.status).toBe(201);
        expect(await first.json()).toMatchObject({ status: 'promoted', target: 'live/app/good:2.0', digest });
        const again = await approve({ repository: 'quarantine/app/good', digest, tag: '2.0' });
        expect(again.status).toBe(200);
        expect(await again.json()).toMatchObject({ status: 'already-promoted' });
        expect(acr.registry.events.filter((e) => e.kind === 'import' && e.digest === digest)).toHaveLength(1);
        expect(acr.registry.tag('live/app/good', '2.0')?.digest).toBe(digest);
        expect(await (await services().gateStores()).ledger.find('live/app/good', digest)).toMatchObject({ state: 'confirmed', requestedBy: 'approval', approvedBy: 'function-key (Entra auth off)' });
    });
});
