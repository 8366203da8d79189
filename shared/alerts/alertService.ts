import { performance } from 'node:perf_hooks';
import { isUndelivered, worstSeverity, type Alert, type AlertDetails, type AlertState, type SinkDelivery } from './alert';
import { defaultSeverity, describeAlert } from './alertKinds';
import { normalizeInput, type AlertInput, type NormalizedInput } from './alertInput';
import type { AlertSink } from './alertSink';
import type { AlertQuery, AlertStore, StoredAlert } from './alertStore';
import { backoffDelay, classifyFailure, DEFAULT_RETRY_POLICY, type RetryPolicy } from './deliveryRetry';

/** The moment an alert is handed to a sink: what the gate benchmark measures up to. */
export interface SinkHandoff {
    readonly alertId: string;
    readonly sink: string;
    /** 1 for the first try within this call. */
    readonly attempt: number;
    /** performance.now() at hand-off (same clock as the caller's performance.now()). */
    readonly at: number;
}

/** Operational messages (never the alert itself: that is the log sink's job). */
export interface AlertServiceLog {
    warn(message: string): void;
}

export interface AlertServiceOptions {
    readonly store: AlertStore;
    /** Names must be unique; they key the delivery status on the alert row. */
    readonly sinks: readonly AlertSink[];
    readonly retry?: Partial<RetryPolicy>;
    /**
     * How long a raise()/redeliverPending() owns an alert's deliveries; redeliverPending leaves
     * claimed alerts alone, so an in-flight delivery is not duplicated. Longer than one call's
     * worst case (all retries); if the owner crashes, the alert is retried after it expires.
     */
    readonly leaseMs?: number;
    readonly now?: () => Date;
    readonly sleep?: (ms: number) => Promise<void>;
    /** Called right before each sink.deliver(); must be cheap and must not throw (errors are ignored). */
    readonly onHandedToSink?: (handoff: SinkHandoff) => void;
    readonly log?: AlertServiceLog;
}

export interface RaiseResult {
    /** The alert as recorded after this call (deliveries included). */
    readonly alert: Alert;
    /** True when this call created the alert (and delivered it); false when it only counted another occurrence. */
    readonly created: boolean;
}

export interface RedeliveryReport {
    /** Undelivered alerts looked at. */
    readonly examined: number;
    /** Sink deliveries attempted / now delivered. */
    readonly attempted: number;
    readonly delivered: number;
    /** Alerts skipped because another call is delivering them or no sink is due yet. */
    readonly skipped: number;
    /** Sinks named on alert rows that are no longer configured (left undelivered, reported). */
    readonly unknownSinks: readonly string[];
}

export const DEFAULT_LEASE_MS = 5 * 60_000;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Raises deduplicated alerts: record first (conditional insert on the dedup key), then deliver
 * to every sink, recording each outcome on the row. A crash between the two leaves the alert
 * pending with an expiring lease; redeliverPending() (timer) picks it up. A repeated raise of
 * the same dedup key only bumps occurrences/lastSeen/detectedBy and never re-notifies.
 */
export class AlertService {
    private readonly store: AlertStore;
    private readonly sinks: ReadonlyMap<string, AlertSink>;
    private readonly retry: RetryPolicy;
    private readonly leaseMs: number;
    private readonly now: () => Date;
    private readonly sleep: (ms: number) => Promise<void>;
    private readonly onHandedToSink: ((handoff: SinkHandoff) => void) | undefined;
    private readonly log: AlertServiceLog;

    constructor(options: AlertServiceOptions) {
        const byName = new Map<string, AlertSink>();
        for (const sink of options.sinks) {
            if (byName.has(sink.name)) throw new Error(`two alert sinks are named ${JSON.stringify(sink.name)}`);
            byName.set(sink.name, sink);
        }
        this.store = options.store;
        this.sinks = byName;
        this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
        this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
        this.now = options.now ?? (() => new Date());
        this.sleep = options.sleep ?? defaultSleep;
        this.onHandedToSink = options.onHandedToSink;
        this.log = options.log ?? { warn: (m) => console.warn(m) };
    }

    /** The configured sink names, in delivery-status order. */
    get sinkNames(): readonly string[] {
        return [...this.sinks.keys()];
    }

    /** Throws AlertInputError for invalid input (nothing recorded), storage errors as RestError. */
    async raise(input: AlertInput): Promise<RaiseResult> {
        const n = normalizeInput(input, this.now());
        // Two rounds cover the one race where the row vanishes between our insert and our bump.
        for (let round = 0; round < 2; round += 1) {
            const fresh = this.newAlert(n);
            const claimedUntil = new Date(this.now().getTime() + this.leaseMs).toISOString();
            if (await this.store.insert({ alert: fresh, claimedUntil })) {
                const delivered = await this.deliver(fresh, [...this.sinks.values()]);
                return { alert: delivered, created: true };
            }
            const bumped = await this.store.update(n.alertId, (current) => ({ ...current, alert: addOccurrence(current.alert, n) }));
            if (bumped) return { alert: bumped.alert, created: false };
        }
        throw new Error(`alert ${n.alertId} could neither be created nor updated`);
    }

    /** Retries every due, unclaimed, undelivered sink of every alert. For a timer; safe to run concurrently. */
    async redeliverPending(): Promise<RedeliveryReport> {
        const pending = await this.store.listUndelivered();
        let attempted = 0;
        let delivered = 0;
        let skipped = 0;
        const unknown = new Set<string>();
        for (const row of pending) {
            const now = this.now();
            const due = this.dueSinks(row, now, unknown);
            if (due.length === 0 || isClaimed(row, now)) {
                skipped += 1;
                continue;
            }
            const claimed = await this.claim(row.alert.alertId);
            if (!claimed) {
                skipped += 1;
                continue;
            }
            const names = this.dueSinks(claimed, this.now(), unknown);
            attempted += names.length;
            const after = await this.deliver(claimed.alert, names);
            delivered += names.filter((s) => after.deliveries[s.name]?.status === 'delivered').length;
        }
        return { examined: pending.length, attempted, delivered, skipped, unknownSinks: [...unknown] };
    }

    async getAlert(alertId: string): Promise<Alert | undefined> {
        return (await this.store.read(alertId))?.alert;
    }

    async listAlerts(query: AlertQuery = {}): Promise<Alert[]> {
        return (await this.store.list(query)).map((s) => s.alert);
    }

    /** Alerts with at least one sink not delivered (pending or undelivered). */
    async listUndelivered(): Promise<Alert[]> {
        return (await this.store.listUndelivered()).map((s) => s.alert);
    }

    /** Operator workflow: acknowledge or resolve. Returns undefined for an unknown id. */
    async setState(alertId: string, state: AlertState): Promise<Alert | undefined> {
        const at = this.now().toISOString();
        const row = await this.store.update(alertId, (current) =>
            current.alert.state === state ? undefined : { ...current, alert: { ...current.alert, state, stateChangedAt: at } },
        );
        return row?.alert;
    }

    private newAlert(n: NormalizedInput): Alert {
        const described = describeAlert(n.kind, n.subject, n.details);
        const seen = n.observedAt.toISOString();
        const pending: SinkDelivery = { status: 'pending', attempts: 0, lastAttemptAt: null, deliveredAt: null, lastError: null, nextAttemptAt: null };
        return {
            alertId: n.alertId,
            kind: n.kind,
            severity: n.severity ?? defaultSeverity(n.kind),
            dedupKey: n.dedupKey,
            subject: n.subject,
            details: n.details,
            detectedBy: [n.detectedBy],
            title: n.title ?? described.title,
            message: n.message ?? described.message,
            firstSeen: seen,
            lastSeen: seen,
            occurrences: 1,
            state: 'open',
            stateChangedAt: seen,
            deliveries: Object.fromEntries([...this.sinks.keys()].map((name) => [name, pending])),
        };
    }

    private dueSinks(row: StoredAlert, now: Date, unknown: Set<string>): AlertSink[] {
        const due: AlertSink[] = [];
        for (const [name, d] of Object.entries(row.alert.deliveries)) {
            if (d.status === 'delivered') continue;
            const sink = this.sinks.get(name);
            if (!sink) {
                unknown.add(name);
                continue;
            }
            if (d.nextAttemptAt && Date.parse(d.nextAttemptAt) > now.getTime()) continue;
            due.push(sink);
        }
        return due;
    }

    /** Takes the delivery lease under the row's ETag; undefined if someone else holds it. */
    private async claim(alertId: string): Promise<StoredAlert | undefined> {
        let won = false;
        const row = await this.store.update(alertId, (current) => {
            won = false;
            const now = this.now();
            if (isClaimed(current, now) || !isUndelivered(current.alert)) return undefined;
            won = true;
            return { ...current, claimedUntil: new Date(now.getTime() + this.leaseMs).toISOString() };
        });
        return won ? row : undefined;
    }

    /** Delivers to the given sinks in parallel, records each outcome, then releases the lease. */
    private async deliver(alert: Alert, sinks: readonly AlertSink[]): Promise<Alert> {
        await Promise.all(sinks.map((sink) => this.deliverTo(sink, alert)));
        const released = await this.store.update(alert.alertId, (current) =>
            current.claimedUntil === null ? undefined : { ...current, claimedUntil: null },
        );
        return released?.alert ?? alert;
    }

    private async deliverTo(sink: AlertSink, alert: Alert): Promise<void> {
        let attempts = 0;
        let lastError: string | null = null;
        let nextAttemptAt: string | null = null;
        let ok = false;
        for (;;) {
            attempts += 1;
            this.handOff(alert.alertId, sink.name, attempts);
            try {
                await sink.deliver(alert);
                ok = true;
                break;
            } catch (err) {
                const failure = classifyFailure(err);
                lastError = failure.message;
                if (!failure.retryable || attempts >= this.retry.maxAttempts) break;
                const wait = failure.retryAfterMs ?? backoffDelay(this.retry, attempts);
                if (wait > this.retry.maxInCallWaitMs) {
                    nextAttemptAt = new Date(this.now().getTime() + wait).toISOString();
                    break;
                }
                await this.sleep(wait);
            }
        }
        const at = this.now().toISOString();
        if (!ok) {
            this.log.warn(`acr-guard alert ${alert.alertId} (${alert.kind}) not delivered to sink ${sink.name} after ${attempts} attempt(s); kept for redelivery: ${lastError}`);
        }
        await this.store.update(alert.alertId, (current) => {
            const before = current.alert.deliveries[sink.name];
            const outcome: SinkDelivery = ok
                ? { status: 'delivered', attempts: (before?.attempts ?? 0) + attempts, lastAttemptAt: at, deliveredAt: at, lastError, nextAttemptAt: null }
                : { status: 'undelivered', attempts: (before?.attempts ?? 0) + attempts, lastAttemptAt: at, deliveredAt: null, lastError, nextAttemptAt };
            return { ...current, alert: { ...current.alert, deliveries: { ...current.alert.deliveries, [sink.name]: outcome } } };
        });
    }

    private handOff(alertId: string, sink: string, attempt: number): void {
        if (!this.onHandedToSink) return;
        try {
            this.onHandedToSink({ alertId, sink, attempt, at: performance.now() });
        } catch {
            // A measuring hook must never stop an alert.
        }
    }
}

const isClaimed = (row: StoredAlert, now: Date) => row.claimedUntil !== null && Date.parse(row.claimedUntil) > now.getTime();

/** Another sighting of an existing alert: count it and merge what is new; never re-notify. */
function addOccurrence(alert: Alert, n: NormalizedInput): Alert {
    const seen = n.observedAt.toISOString();
    return {
        ...alert,
        occurrences: alert.occurrences + 1,
        lastSeen: seen > alert.lastSeen ? seen : alert.lastSeen,
        firstSeen: seen < alert.firstSeen ? seen : alert.firstSeen,
        detectedBy: alert.detectedBy.includes(n.detectedBy) ? alert.detectedBy : [...alert.detectedBy, n.detectedBy],
        severity: n.severity ? worstSeverity(alert.severity, n.severity) : alert.severity,
        details: mergeDetails(alert.details, n.details),
    };
}

/** Keeps what the first sighting knew; fills gaps from later ones; unions tags. */
function mergeDetails(first: AlertDetails, later: AlertDetails): AlertDetails {
    const merged: Record<string, unknown> = { ...later, ...stripEmpty(first) };
    const tags = [...new Set([...(first.tags ?? []), ...(later.tags ?? [])])].slice(0, 100);
    if (tags.length > 0) merged.tags = tags;
    return merged as AlertDetails;
}

function stripEmpty(details: AlertDetails): Record<string, unknown> {
    return Object.fromEntries(Object.entries(details).filter(([, v]) => v !== null && v !== undefined));
}
