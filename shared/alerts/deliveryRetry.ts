import { SinkDeliveryError } from './alertSink';
import { errorMessage } from '../errors/errorMessage';

/**
 * How hard one raise()/redeliverPending() call tries a sink before leaving it recorded as
 * undelivered for the next redeliverPending(). Bounded so a trigger invocation never hangs on a
 * dead sink (Event Grid waits 30 s for its handler; a redelivered event is deduplicated anyway).
 */
export interface RetryPolicy {
    /** Attempts per call, the first one included. */
    readonly maxAttempts: number;
    /** Exponential backoff: base * 2^(attempt-1), with full jitter, capped at maxDelayMs. */
    readonly baseDelayMs: number;
    readonly maxDelayMs: number;
    /** A sink's Retry-After longer than this is not waited out within the call; redeliverPending honours it. */
    readonly maxInCallWaitMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
    maxAttempts: 3,
    baseDelayMs: 250,
    maxDelayMs: 4_000,
    maxInCallWaitMs: 10_000,
};

export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
    const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
    // Half fixed, half jitter: spreads retries of many alerts without ever retrying at once.
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export interface ClassifiedFailure {
    readonly message: string;
    readonly retryable: boolean;
    readonly retryAfterMs: number | undefined;
}

const MAX_ERROR_TEXT = 500;

/** What a thrown value means for retrying. Unknown errors are retryable (a sink bug should not lose alerts). */
export function classifyFailure(err: unknown): ClassifiedFailure {
    const raw = errorMessage(err);
    const message = raw.length > MAX_ERROR_TEXT ? `${raw.slice(0, MAX_ERROR_TEXT - 1)}…` : raw;
    if (err instanceof SinkDeliveryError) return { message, retryable: err.retryable, retryAfterMs: err.retryAfterMs };
    return { message, retryable: true, retryAfterMs: undefined };
}
