import type { AlertInput, RaiseResult } from '../alerts';
import type { Registry } from '../registry/registry';
import type { LockStore } from './lockStore';
import { errorMessage } from '../errors/errorMessage';

/** An image found in live/ with no promotion of its digest into that repository. */
export interface Bypass {
    readonly repository: string;
    readonly digest: string;
    readonly tag: string | null;
    readonly actor: string | null;
    readonly userAgent: string | null;
    readonly requestHost: string | null;
    /** When the registry operation happened (ISO 8601). */
    readonly time: string | null;
    /** `Push`, `importImage`, ... */
    readonly operation: string | null;
    /** Event Grid event id or Log Analytics CorrelationId. */
    readonly sourceId: string | null;
    readonly detectedBy: 'event' | 'reconciliation';
}

export type LockOutcome = 'disabled' | 'locked' | 'already-locked' | 'failed';

export interface BypassResponse {
    readonly alertId: string;
    /** False when this bypass was already alerted (redelivery, or the other detection path). */
    readonly newAlert: boolean;
    readonly lock: LockOutcome;
}

export interface BypassResponderDeps {
    /** Login server of the guarded registry: both detection paths name it alike, so the alerts dedup. */
    readonly registry: string;
    readonly alerts: { raise(input: AlertInput): Promise<RaiseResult> };
    readonly lockImages: boolean;
    readonly registryPort: Pick<Registry, 'lockImage'>;
    readonly locks: LockStore;
    readonly now?: () => Date;
    readonly log?: { warn(m: string): void };
}

/**
 * What happens when quarantine was skipped: a `quarantine-bypass` alert at once (deduplicated by
 * registry + repository + digest across deliveries and detection paths), then, when locking is
 * on, the image is locked (manifest and tag: read/write/delete disabled) and the lock recorded in
 * `Locks`, once per digest and tag. A failed lock raises `lock-failed`; it is not rethrown, so the
 * bypass alert (already recorded) is never held back by a lock problem.
 */
export class BypassResponder {
    private readonly now: () => Date;

    constructor(private readonly deps: BypassResponderDeps) {
        this.now = deps.now ?? (() => new Date());
    }

    async respond(bypass: Bypass): Promise<BypassResponse> {
        const subject = { registry: this.deps.registry, repository: bypass.repository, tag: bypass.tag, digest: bypass.digest };
        const raised = await this.deps.alerts.raise({
            kind: 'quarantine-bypass',
            detectedBy: bypass.detectedBy,
            subject,
            details: {
                actor: bypass.actor,
                userAgent: bypass.userAgent,
                requestHost: bypass.requestHost,
                time: bypass.time,
                operation: bypass.operation,
                sourceId: bypass.sourceId,
            },
        });
        const alertId = raised.alert.alertId;
        if (!this.deps.lockImages) return { alertId, newAlert: raised.created, lock: 'disabled' };

        const existing = await this.deps.locks.get(bypass.repository, bypass.digest);
        if (existing && (bypass.tag === null || existing.tags.includes(bypass.tag))) return { alertId, newAlert: raised.created, lock: 'already-locked' };
        try {
            await this.deps.registryPort.lockImage(bypass.repository, bypass.digest, bypass.tag ?? undefined);
        } catch (err) {
            const message = errorMessage(err);
            this.deps.log?.warn(`could not lock ${bypass.repository}@${bypass.digest}: ${message}`);
            await this.deps.alerts.raise({
                kind: 'lock-failed',
                detectedBy: bypass.detectedBy,
                subject,
                details: { error: message, extra: { bypassAlertId: alertId } },
            });
            return { alertId, newAlert: raised.created, lock: 'failed' };
        }
        await this.deps.locks.record({ repository: bypass.repository, digest: bypass.digest, tags: bypass.tag ? [bypass.tag] : [], lockedAt: this.now().toISOString(), alertId });
        return { alertId, newAlert: raised.created, lock: 'locked' };
    }
}
