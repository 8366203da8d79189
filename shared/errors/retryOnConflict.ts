import { AcrGuardError } from './acrGuardError';
import { isConflict } from './restStatus';

/** Gave up on an optimistic (ETag-guarded) write after this many conflicts: the row is too hot. */
export class ConflictRetriesExhausted extends AcrGuardError {
    constructor(
        readonly what: string,
        readonly attempts: number,
    ) {
        super(`${what} kept changing under us: gave up after ${attempts} concurrent-update conflicts`, { code: 'conflict-retries-exhausted', retryable: true });
    }
}

export interface ConflictRetryOptions {
    /** Names the row in the error (`promotion row live/app@sha256:…`). */
    readonly what: string;
    /** Attempts in all, the first included (default 10). */
    readonly maxAttempts?: number;
    /** Which failures are conflicts (default 409 and 412). */
    readonly isConflict?: (err: unknown) => boolean;
    /** Base of the jittered back-off between attempts, grown linearly per attempt (default 10 ms). */
    readonly baseDelayMs?: number;
    readonly sleep?: (ms: number) => Promise<void>;
}

const sleepMs = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs one optimistic read-modify-write (`attempt` reads the row, decides, writes under its ETag)
 * and runs it again after a conflict, waiting a random 0..base×n ms first (full jitter, so writers
 * that collided do not collide again in lockstep). Bounded: after `maxAttempts` conflicts it throws
 * ConflictRetriesExhausted (retryable: the host or the next run tries later). Any other failure is
 * thrown as is. `attempt` gets the attempt number (1 for the first) and must re-read what it writes.
 */
export async function retryOnConflict<T>(attempt: (n: number) => Promise<T>, options: ConflictRetryOptions): Promise<T> {
    const max = options.maxAttempts ?? 10;
    const conflict = options.isConflict ?? isConflict;
    const base = options.baseDelayMs ?? 10;
    const sleep = options.sleep ?? sleepMs;
    for (let n = 1; ; n++) {
        try {
            return await attempt(n);
        } catch (err) {
            if (!conflict(err)) throw err;
            if (n >= max) throw new ConflictRetriesExhausted(options.what, n);
            await sleep(Math.random() * base * n);
        }
    }
}
