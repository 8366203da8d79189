import type { Alert } from './alert';
import { AcrGuardError } from '../errors/acrGuardError';

/**
 * Where an alert goes (an Event Grid topic, a chat webhook, the log). `deliver` resolves once the
 * sink has accepted the alert and throws otherwise; AlertService records, retries and redelivers.
 * A sink is called at least once per alert (a crash after delivering but before recording means
 * another attempt later): downstream dedups on `alert.alertId`.
 */
export interface AlertSink {
    /** Stable: it keys the alert row's delivery status. */
    readonly name: string;
    deliver(alert: Alert): Promise<void>;
}

/**
 * A failed delivery with what the retry logic needs to know. Sinks throw this; any other error
 * counts as retryable. `message` must be safe to store and log (no URLs with secrets).
 */
export class SinkDeliveryError extends AcrGuardError {
    constructor(
        message: string,
        retryable: boolean,
        /** The sink asked us to wait this long (HTTP Retry-After). */
        readonly retryAfterMs?: number,
    ) {
        super(message, { code: 'sink-delivery-failed', retryable });
    }
}

/** Parses an HTTP Retry-After value (delta seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
    if (!value) return undefined;
    const trimmed = value.trim();
    if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
    const at = Date.parse(trimmed);
    return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Status codes worth retrying: throttling, timeouts and server errors. 4xx otherwise is a config or payload error. */
