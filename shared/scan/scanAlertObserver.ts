import type { AlertInput } from '../alerts/alertInput';
import type { ScanVerdictEvent, VerdictObserver } from './verdictObserver';

/** The part of AlertService this observer uses. */
export interface AlertRaiser {
    raise(input: AlertInput): Promise<unknown>;
}

/**
 * Alerts on images in quarantine that did not pass: `fail` raises `scan-failed` (default severity
 * medium), `error` raises `scan-error` (low): both lower than a bypass, because the image stays in
 * quarantine (fail closed). The alert service dedups per kind and digest, so a redelivered verdict
 * or a rescan with the same outcome bumps the existing alert instead of notifying again. Images
 * outside the quarantine prefix (rescans of live images) are the continuous-scanning observer's.
 */
export class ScanAlertObserver implements VerdictObserver {
    constructor(
        private readonly alerts: AlertRaiser,
        private readonly quarantinePrefix: string,
    ) {}

    async onVerdict(event: ScanVerdictEvent): Promise<void> {
        if (event.verdict.outcome === 'pass' || !event.repository.startsWith(this.quarantinePrefix)) return;
        const reasons = event.verdict.reasons.map((r) => r.message);
        const kind = event.verdict.outcome === 'fail' ? 'scan-failed' : 'scan-error';
        const blocked = event.verdict.reasons.flatMap((r) => r.vulnerabilityIds ?? []);
        await this.alerts.raise({
            kind,
            subject: { registry: event.registry, repository: event.repository, tag: event.tag, digest: event.digest },
            detectedBy: event.reason === 'rescan' ? 'rescan' : 'scan',
            details: {
                reasons,
                ...(event.tag ? { tags: [event.tag] } : {}),
                ...(kind === 'scan-error' ? { error: reasons.join('; ') } : {}),
                ...(blocked.length > 0 ? { vulnerabilityCount: new Set(blocked).size } : {}),
                sourceId: event.scanId,
                time: event.scannedAt.toISOString(),
                extra: { scanReason: event.reason, dbVersion: event.dbVersion },
            },
            observedAt: event.scannedAt,
        });
    }
}
