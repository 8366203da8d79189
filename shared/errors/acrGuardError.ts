/**
 * The one error model: every error acr-guard raises on purpose is an AcrGuardError with a stable
 * `code` to branch on (never the message text), whether trying again can help (`retryable`), and
 * the error it wraps (`cause`). Subclasses add what their callers need (a run id, an HTTP status).
 * "Should this be retried?" is answered by `isRetryable` (./retryable.ts) and nowhere else.
 */
export class AcrGuardError extends Error {
    readonly code: string;
    readonly retryable: boolean;

    constructor(message: string, options: { readonly code: string; readonly retryable: boolean; readonly cause?: unknown }) {
        super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
        this.name = new.target.name;
        this.code = options.code;
        this.retryable = options.retryable;
    }
}
