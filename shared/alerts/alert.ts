/**
 * The alert model: one deduplicated finding that a security team must see (a quarantine bypass,
 * a failed scan, a failed promotion, ...), recorded once in the `Alerts` table and handed to
 * every configured sink. Raising the same thing again (a redelivered event, the reconciler
 * finding what the event path already saw) only counts another occurrence.
 */

/** The kinds acr-guard raises today. The type stays open: any lower-kebab-case kind is accepted. */
export const KNOWN_ALERT_KINDS = [
    'quarantine-bypass',
    'lock-failed',
    'promotion-failed',
    'new-vulnerabilities',
    'scan-failed',
    'scan-error',
    'patch-failed',
    'event-dead-lettered',
] as const;
export type KnownAlertKind = (typeof KNOWN_ALERT_KINDS)[number];
// `string & {}` keeps editor completion for the known kinds while allowing new ones.
export type AlertKind = KnownAlertKind | (string & {});

/** Most severe first. */
export const ALERT_SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export const ALERT_STATES = ['open', 'acknowledged', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

/** Who noticed: the Event Grid push path, the Log Analytics reconciler, the scan worker, ... */
export type DetectionSource = 'event' | 'reconciliation' | 'scan' | 'promotion' | 'rescan' | 'patch' | (string & {});

/** The image an alert is about. `registry` is the login server (contoso.azurecr.io). */
export interface AlertSubject {
    readonly registry: string;
    readonly repository: string;
    readonly tag: string | null;
    readonly digest: string;
}

export interface AlertVulnerability {
    readonly id: string;
    readonly severity: string;
    readonly pkgName: string;
    readonly installedVersion: string | null;
    readonly fixedVersion: string | null;
}

/** What was observed. Every field is optional: each kind fills what it knows. */
export interface AlertDetails {
    /** Identity that performed the registry operation (event `actor.name`, log `Identity`). */
    readonly actor?: string | null;
    readonly userAgent?: string | null;
    /** Host the registry request came through (event `request.host`, log `LoginServer`). */
    readonly requestHost?: string | null;
    /** When the registry operation happened (ISO 8601), not when acr-guard noticed it. */
    readonly time?: string | null;
    /** Registry operation: `Push`, `importImage`, ... */
    readonly operation?: string | null;
    /** Event Grid event id or Log Analytics CorrelationId that showed it. */
    readonly sourceId?: string | null;
    /** Every tag the subject was seen with (merged across occurrences). */
    readonly tags?: readonly string[];
    /** Why (verdict reasons, the import error, ...). */
    readonly reasons?: readonly string[];
    /** At most MAX_VULNERABILITIES entries (a table property holds 64 KiB); the count is the full number. */
    readonly vulnerabilities?: readonly AlertVulnerability[];
    readonly vulnerabilityCount?: number;
    /** Error text for *-failed / *-error kinds. */
    readonly error?: string | null;
    /** Anything else, flat. */
    readonly extra?: Readonly<Record<string, string | number | boolean | null>>;
}

export const MAX_VULNERABILITIES = 50;

export type DeliveryStatus = 'pending' | 'delivered' | 'undelivered';

/** One sink's delivery of one alert. `attempts` counts across raise() and every redeliverPending(). */
export interface SinkDelivery {
    readonly status: DeliveryStatus;
    readonly attempts: number;
    readonly lastAttemptAt: string | null;
    readonly deliveredAt: string | null;
    /** Safe to show: sinks never put secrets (the webhook URL) into errors. */
    readonly lastError: string | null;
    /** Not before this time (a Retry-After too long to wait for within the call). */
    readonly nextAttemptAt: string | null;
}

export interface Alert {
    /** Deterministic from dedupKey: the same finding always has the same id (also the CloudEvent id). */
    readonly alertId: string;
    readonly kind: AlertKind;
    readonly severity: AlertSeverity;
    readonly dedupKey: string;
    readonly subject: AlertSubject;
    readonly details: AlertDetails;
    /** Every source that saw it, first one first. */
    readonly detectedBy: readonly DetectionSource[];
    readonly title: string;
    readonly message: string;
    readonly firstSeen: string;
    readonly lastSeen: string;
    readonly occurrences: number;
    readonly state: AlertState;
    readonly stateChangedAt: string;
    /** Keyed by sink name; holds the sinks configured when the alert was first raised. */
    readonly deliveries: Readonly<Record<string, SinkDelivery>>;
}

export const isUndelivered = (alert: Pick<Alert, 'deliveries'>) =>
    Object.values(alert.deliveries).some((d) => d.status !== 'delivered');

export const severityRank = (s: AlertSeverity) => ALERT_SEVERITIES.indexOf(s);

/** The more severe of two severities. */
export const worstSeverity = (a: AlertSeverity, b: AlertSeverity): AlertSeverity => (severityRank(a) <= severityRank(b) ? a : b);
