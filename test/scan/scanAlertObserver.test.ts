import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { createAlertService } from '../../shared/alerts/createAlertService';
import { readStorageConnection } from '../../shared/config/storageConnection';
import { ScanAlertObserver } from '../../shared/scan/scanAlertObserver';
import type { ScanVerdictEvent } from '../../shared/scan/verdictObserver';
import type { VerdictOutcome } from '../../shared/policy/verdict';
import { freshTable } from '../support/intakeFixtures';

const event = (repository: string, outcome: VerdictOutcome, digestHex: string): ScanVerdictEvent => ({
    registry: 'contoso.azurecr.io',
    repository,
    digest: `sha256:${digestHex.repeat(64)}`,
    tag: '1.0',
    scanId: 'push-1',
    reason: 'push',
    scannedAt: new Date('2026-11-01T10:00:00Z'),
    verdict: { outcome, reasons: [{ code: outcome === 'fail' ? 'blocked-vulnerabilities' : 'scanner-error', message: `why ${outcome}`, ...(outcome === 'fail' ? { vulnerabilityIds: ['CVE-1', 'CVE-2'] } : {}) }] },
    previous: null,
    newFindings: [],
    dbVersion: null,
    redelivered: false,
});

describe('ScanAlertObserver with the real alert service on Azurite', () => {
    it('raises scan-failed / scan-error for quarantine images only, once per digest and kind', async () => {
        const connectionString = inject('azuriteConnectionString');
        const table = await freshTable(connectionString, `alerts${randomBytes(4).toString('hex')}`);
        const alerts = createAlertService(
            { storage: readStorageConnection('S', { S: connectionString }), alertTopicEndpoint: undefined, alertWebhookUrl: undefined, alertWebhookFormat: 'auto', alertWebhookTimeoutSeconds: 10 },
            { tableClient: table, logWriter: () => undefined },
        );
        const observer = new ScanAlertObserver(alerts, 'quarantine/');
        await observer.onVerdict(event('quarantine/app', 'fail', 'a'));
        await observer.onVerdict(event('quarantine/app', 'fail', 'a')); // redelivered: deduplicated
        await observer.onVerdict(event('quarantine/app', 'error', 'b'));
        await observer.onVerdict(event('quarantine/app', 'pass', 'c'));
        await observer.onVerdict(event('live/app', 'fail', 'd'));

        const raised = await alerts.listAlerts();
        expect(raised.map((a) => [a.kind, a.severity, a.subject.digest.slice(7, 8), a.occurrences]).sort()).toEqual([
            ['scan-error', 'low', 'b', 1],
            ['scan-failed', 'medium', 'a', 2],
        ]);
        expect(raised.find((a) => a.kind === 'scan-failed')?.details).toMatchObject({ reasons: ['why fail'], vulnerabilityCount: 2 });
    });
});
