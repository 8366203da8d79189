import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AlertInput } from '../../shared/alerts/alertInput';
import { AlertInputError, alertIdOf } from '../../shared/alerts/alertInput';
import type { SinkHandoff } from '../../shared/alerts/alertService';
import { ALERT_LOG_PREFIX } from '../../shared/alerts/logSink';
import { alertSettings, DIGEST_A, DIGEST_B, harness, uniqueTableName } from './helpers/alertHarness';
import { startRecordingServer, type RecordingServer } from './helpers/recordingServer';

// A live push that skipped quarantine, as the event path sees it (fields of an ImagePushed event).
const bypassFromEvent: AlertInput = {
    kind: 'quarantine-bypass',
    detectedBy: 'event',
    subject: { registry: 'contoso.azurecr.io', repository: 'live/app', tag: '1.0', digest: DIGEST_A },
    details: {
        actor: 'ci-bot@contoso.com',
        userAgent: 'docker/24.0.7 go/go1.20.10',
        requestHost: 'contoso.azurecr.io',
        time: '2025-05-01T10:00:00.000Z',
        operation: 'Push',
        sourceId: 'event-1',
    },
};

// The same digest as the reconciler finds it in ContainerRegistryRepositoryEvents: no tag this time.
const bypassFromLogs: AlertInput = {
    kind: 'quarantine-bypass',
    detectedBy: 'reconciliation',
    subject: { registry: 'CONTOSO.azurecr.io', repository: 'live/app', tag: null, digest: DIGEST_A },
    details: { actor: 'ci-bot@contoso.com', operation: 'Push', sourceId: 'corr-9' },
};

let webhook: RecordingServer;
let table: string;

beforeAll(async () => {
    webhook = await startRecordingServer();
});
afterAll(async () => {
    await webhook.close();
});
beforeEach(() => {
    webhook.requests.length = 0;
    webhook.fallback = { status: 200, body: 'ok' };
    table = uniqueTableName();
});

const webhookSettings = () => alertSettings({ alertWebhookUrl: `${webhook.origin}/services/T0/B0/secret`, alertWebhookFormat: 'slack' });

describe('AlertService.raise', () => {
    it('records one alert and delivers once per sink when the same bypass is raised twice', async () => {
        const h = await harness(webhookSettings(), table);
        const first = await h.service.raise(bypassFromEvent);
        const second = await h.service.raise(bypassFromEvent);

        expect(first.created).toBe(true);
        expect(second.created).toBe(false);
        expect(second.alert.alertId).toBe(first.alert.alertId);
        expect(second.alert.occurrences).toBe(2);

        const rows = await h.service.listAlerts();
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({
            kind: 'quarantine-bypass',
            severity: 'critical',
            state: 'open',
            occurrences: 2,
            subject: { registry: 'contoso.azurecr.io', repository: 'live/app', tag: '1.0', digest: DIGEST_A },
            details: { actor: 'ci-bot@contoso.com', userAgent: 'docker/24.0.7 go/go1.20.10', requestHost: 'contoso.azurecr.io' },
        });
        expect(rows[0]!.deliveries).toEqual({
            log: expect.objectContaining({ status: 'delivered', attempts: 1, lastError: null }),
            webhook: expect.objectContaining({ status: 'delivered', attempts: 1, lastError: null }),
        });
        expect(webhook.requests).toHaveLength(1);
        expect(h.logLines).toHaveLength(1);
        expect(h.logLines[0]!.startsWith(`${ALERT_LOG_PREFIX} {`)).toBe(true);
        expect(JSON.parse(h.logLines[0]!.slice(ALERT_LOG_PREFIX.length + 1))).toMatchObject({
            alertId: first.alert.alertId,
            kind: 'quarantine-bypass',
            severity: 'critical',
            subject: { repository: 'live/app', digest: DIGEST_A },
        });
        expect(await h.service.listUndelivered()).toEqual([]);
    });

    it('merges the event path and reconciliation into one alert with both sources', async () => {
        const h = await harness(webhookSettings(), table);
        await h.service.raise(bypassFromEvent);
        const later = await h.service.raise({ ...bypassFromLogs, observedAt: new Date(Date.now() + 60_000) });

        expect(later.created).toBe(false);
        expect(later.alert.detectedBy).toEqual(['event', 'reconciliation']);
        expect(later.alert.occurrences).toBe(2);
        expect(later.alert.lastSeen > later.alert.firstSeen).toBe(true);
        // What the event knew is kept; the tag seen by the event survives the tagless log row.
        expect(later.alert.subject.tag).toBe('1.0');
        expect(later.alert.details.tags).toEqual(['1.0']);
        expect(later.alert.details.userAgent).toBe('docker/24.0.7 go/go1.20.10');
        expect(later.alert.details.sourceId).toBe('event-1');
        expect(await h.service.listAlerts({ kind: 'quarantine-bypass' })).toHaveLength(1);
        expect(webhook.requests).toHaveLength(1);
    });

    it('keeps one alert when two service instances raise the same key concurrently', async () => {
        const a = await harness(webhookSettings(), table);
        const b = await harness(webhookSettings(), table);
        const results = await Promise.all([a.service.raise(bypassFromEvent), b.service.raise(bypassFromLogs)]);

        expect(results.map((r) => r.created).sort()).toEqual([false, true]);
        const rows = await a.service.listAlerts();
        expect(rows).toHaveLength(1);
        expect(rows[0]!.occurrences).toBe(2);
        expect([...rows[0]!.detectedBy].sort()).toEqual(['event', 'reconciliation']);
        expect(rows[0]!.deliveries.webhook?.status).toBe('delivered');
        expect(webhook.requests).toHaveLength(1);
        expect(a.logLines.length + b.logLines.length).toBe(1);
    });

    it('retries a webhook that answers 500 twice and records the delivery with its attempts', async () => {
        webhook.script({ status: 500, body: 'boom' }, { status: 503 });
        const h = await harness(webhookSettings(), table);
        const { alert } = await h.service.raise(bypassFromEvent);

        expect(alert.deliveries.webhook).toMatchObject({ status: 'delivered', attempts: 3, lastError: expect.stringContaining('HTTP 503') });
        expect(webhook.requests).toHaveLength(3);
        expect(new Set(webhook.requests.map((r) => r.body)).size).toBe(1);
        expect(h.warnings).toEqual([]);
    });

    it('honours Retry-After on 429 within the call', async () => {
        webhook.script({ status: 429, headers: { 'retry-after': '0' } });
        const h = await harness(webhookSettings(), table);
        const { alert } = await h.service.raise(bypassFromEvent);
        expect(alert.deliveries.webhook).toMatchObject({ status: 'delivered', attempts: 2 });
    });

    it('does not retry a 400 (a payload or configuration error) and keeps the alert undelivered', async () => {
        webhook.script({ status: 400, body: 'invalid_payload' });
        const h = await harness(webhookSettings(), table);
        const { alert } = await h.service.raise(bypassFromEvent);
        expect(alert.deliveries.webhook).toMatchObject({ status: 'undelivered', attempts: 1, lastError: expect.stringContaining('HTTP 400: invalid_payload') });
        expect(alert.deliveries.log?.status).toBe('delivered');
        expect(webhook.requests).toHaveLength(1);
    });

    it('hands each alert to every sink once per attempt through onHandedToSink', async () => {
        const handoffs: SinkHandoff[] = [];
        const h = await harness(webhookSettings(), table, { onHandedToSink: (x) => handoffs.push(x) });
        const { alert } = await h.service.raise(bypassFromEvent);
        await h.service.raise(bypassFromEvent);
        expect(handoffs.map((x) => [x.alertId, x.sink, x.attempt]).sort()).toEqual([
            [alert.alertId, 'log', 1],
            [alert.alertId, 'webhook', 1],
        ]);
        expect(handoffs.every((x) => typeof x.at === 'number' && x.at > 0)).toBe(true);
    });

    it('rejects invalid input with the reason and records nothing', async () => {
        const h = await harness(webhookSettings(), table);
        const bad: AlertInput = { ...bypassFromEvent, subject: { ...bypassFromEvent.subject, digest: 'sha256:nothex' } };
        await expect(h.service.raise(bad)).rejects.toThrow(AlertInputError);
        await expect(h.service.raise(bad)).rejects.toThrow(/subject\.digest/);
        expect(await h.service.listAlerts()).toEqual([]);
        expect(webhook.requests).toHaveLength(0);
    });

    it('applies per-kind default severities and keeps different digests apart', async () => {
        const h = await harness(alertSettings(), table);
        const scan = await h.service.raise({
            kind: 'scan-failed',
            detectedBy: 'scan',
            subject: { registry: 'contoso.azurecr.io', repository: 'quarantine/app', tag: '2.0', digest: DIGEST_B },
            details: { reasons: ['2 CRITICAL fixable findings'] },
        });
        const bypass = await h.service.raise(bypassFromEvent);
        expect(scan.alert.severity).toBe('medium');
        expect(scan.alert.message).toContain('2 CRITICAL fixable findings');
        expect(bypass.alert.severity).toBe('critical');
        expect(scan.alert.alertId).not.toBe(bypass.alert.alertId);
        expect(scan.alert.alertId).toBe(alertIdOf(scan.alert.dedupKey));
        expect(scan.alert.deliveries).toEqual({ log: expect.objectContaining({ status: 'delivered' }) });
    });
});

describe('AlertService redelivery', () => {
    it('keeps a sink that keeps failing as undelivered, then redeliverPending delivers it without re-notifying the others', async () => {
        webhook.fallback = { status: 500 };
        const h = await harness(webhookSettings(), table);
        const { alert } = await h.service.raise(bypassFromEvent);

        expect(alert.deliveries.webhook).toMatchObject({ status: 'undelivered', attempts: 3, lastError: expect.stringContaining('HTTP 500') });
        expect(alert.deliveries.log?.status).toBe('delivered');
        expect((await h.service.listUndelivered()).map((a) => a.alertId)).toEqual([alert.alertId]);
        expect(h.warnings).toHaveLength(1);

        webhook.fallback = { status: 200 };
        const report = await h.service.redeliverPending();
        expect(report).toMatchObject({ examined: 1, attempted: 1, delivered: 1, skipped: 0, unknownSinks: [] });

        const after = await h.service.getAlert(alert.alertId);
        expect(after?.deliveries.webhook).toMatchObject({ status: 'delivered', attempts: 4 });
        expect(webhook.requests).toHaveLength(4);
        expect(h.logLines).toHaveLength(1);
        expect(await h.service.listUndelivered()).toEqual([]);
        // Nothing left: a second run touches nothing.
        expect(await h.service.redeliverPending()).toMatchObject({ examined: 0, attempted: 0 });
    });

    it('leaves a Retry-After too long for the call to redeliverPending, which waits until it is due', async () => {
        let clock = Date.parse('2025-05-01T10:00:00Z');
        const now = () => new Date(clock);
        webhook.script({ status: 429, headers: { 'retry-after': '3600' } });
        const h = await harness(webhookSettings(), table, { now });
        const { alert } = await h.service.raise(bypassFromEvent);
        expect(alert.deliveries.webhook).toMatchObject({ status: 'undelivered', attempts: 1, nextAttemptAt: '2025-05-01T11:00:00.000Z' });

        expect(await h.service.redeliverPending()).toMatchObject({ examined: 1, attempted: 0, skipped: 1 });
        clock += 3_600_000;
        expect(await h.service.redeliverPending()).toMatchObject({ examined: 1, attempted: 1, delivered: 1 });
        expect(webhook.requests).toHaveLength(2);
    });

    it('recovers an alert recorded before a crash (pending, lease expired) and leaves a live lease alone', async () => {
        const h = await harness(webhookSettings(), table);
        const pending = { status: 'pending', attempts: 0, lastAttemptAt: null, deliveredAt: null, lastError: null, nextAttemptAt: null } as const;
        const crashed = {
            alertId: alertIdOf('quarantine-bypass|contoso.azurecr.io|live/app|' + DIGEST_A),
            kind: 'quarantine-bypass',
            severity: 'critical',
            dedupKey: 'quarantine-bypass|contoso.azurecr.io|live/app|' + DIGEST_A,
            subject: { registry: 'contoso.azurecr.io', repository: 'live/app', tag: '1.0', digest: DIGEST_A },
            details: {},
            detectedBy: ['event'],
            title: 'Quarantine bypass',
            message: 'm',
            firstSeen: '2025-05-01T10:00:00.000Z',
            lastSeen: '2025-05-01T10:00:00.000Z',
            occurrences: 1,
            state: 'open',
            stateChangedAt: '2025-05-01T10:00:00.000Z',
            deliveries: { log: pending, webhook: pending },
        } as const;
        const inFlight = { ...crashed, alertId: 'f'.repeat(32), dedupKey: 'in-flight' };
        expect(await h.store.insert({ alert: crashed, claimedUntil: '2025-05-01T10:05:00.000Z' })).toBe(true);
        expect(await h.store.insert({ alert: inFlight, claimedUntil: new Date(Date.now() + 600_000).toISOString() })).toBe(true);

        const report = await h.service.redeliverPending();
        expect(report).toMatchObject({ examined: 2, attempted: 2, delivered: 2, skipped: 1 });
        expect((await h.service.getAlert(crashed.alertId))?.deliveries).toMatchObject({
            log: { status: 'delivered', attempts: 1 },
            webhook: { status: 'delivered', attempts: 1 },
        });
        expect((await h.service.getAlert(inFlight.alertId))?.deliveries.webhook?.status).toBe('pending');
        expect(webhook.requests).toHaveLength(1);
        // The crashed alert raised again is the same alert: counted, not re-notified.
        const again = await h.service.raise(bypassFromEvent);
        expect(again).toMatchObject({ created: false, alert: { alertId: crashed.alertId, occurrences: 2 } });
        expect(webhook.requests).toHaveLength(1);
    });
});

describe('AlertService queries and state', () => {
    it('filters by kind, state and since, and moves an alert through acknowledged', async () => {
        const h = await harness(alertSettings(), table);
        const t0 = new Date('2025-05-01T10:00:00Z');
        const bypass = await h.service.raise({ ...bypassFromEvent, observedAt: t0 });
        await h.service.raise({
            kind: 'promotion-failed',
            detectedBy: 'promotion',
            subject: { registry: 'contoso.azurecr.io', repository: 'quarantine/app', tag: '1.0', digest: DIGEST_B },
            details: { error: 'importImage answered 409 Conflict' },
            observedAt: new Date('2025-05-02T10:00:00Z'),
        });

        expect((await h.service.listAlerts({ kind: 'promotion-failed' })).map((a) => a.severity)).toEqual(['high']);
        expect((await h.service.listAlerts({ since: new Date('2025-05-02T00:00:00Z') })).map((a) => a.kind)).toEqual(['promotion-failed']);
        expect((await h.service.listAlerts()).map((a) => a.kind)).toEqual(['promotion-failed', 'quarantine-bypass']);

        const acked = await h.service.setState(bypass.alert.alertId, 'acknowledged');
        expect(acked?.state).toBe('acknowledged');
        expect((await h.service.listAlerts({ state: 'acknowledged' })).map((a) => a.alertId)).toEqual([bypass.alert.alertId]);
        expect((await h.service.listAlerts({ state: 'open', kind: 'quarantine-bypass' }))).toEqual([]);
        expect(await h.service.getAlert('0'.repeat(32))).toBeUndefined();
        expect(await h.service.setState('0'.repeat(32), 'resolved')).toBeUndefined();
    });
});

describe('AlertService large details', () => {
    it('trims vulnerability lists to fit a table property and keeps the full count', async () => {
        const h = await harness(alertSettings(), uniqueTableName());
        const vulnerabilities = Array.from({ length: 200 }, (_, i) => ({
            id: `CVE-2025-${1000 + i}`,
            severity: 'HIGH',
            pkgName: `pkg-${i}-${'x'.repeat(600)}`,
            installedVersion: '1.0.0',
            fixedVersion: '1.0.1',
        }));
        const { alert } = await h.service.raise({
            kind: 'new-vulnerabilities',
            detectedBy: 'rescan',
            subject: { registry: 'contoso.azurecr.io', repository: 'live/app', tag: '1.0', digest: DIGEST_B },
            details: { vulnerabilities },
            discriminator: 'cves-v1',
        });
        const stored = await h.service.getAlert(alert.alertId);
        expect(stored?.details.vulnerabilityCount).toBe(200);
        expect(stored?.details.vulnerabilities?.length).toBeGreaterThan(0);
        expect(stored?.details.vulnerabilities?.length).toBeLessThanOrEqual(50);
        expect(stored?.details.vulnerabilities?.[0]?.id).toBe('CVE-2025-1000');
        expect(stored?.message).toContain('200 new finding(s)');
        expect(stored?.severity).toBe('high');
    });
});
