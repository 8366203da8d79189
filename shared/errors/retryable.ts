import { isRestError } from '@azure/core-rest-pipeline';
import { AcrGuardError } from './acrGuardError';

/** HTTP statuses worth trying again: a timeout, throttling, and the service's own failures. */
export const isRetryableStatus = (status: number): boolean => status === 408 || status === 429 || status >= 500;

/**
 * Should the work that threw `err` be tried again (a host retry, a redelivery, the next cycle)?
 * Our own errors say so themselves; an Azure SDK failure by its HTTP status (none: the request never
 * got an answer, a network failure); anything else (a transport error, a bug) is retried, so a
 * passing fault never drops work and a permanent one ends where retries end (poison queue, error
 * verdict), never silently.
 */
export function isRetryable(err: unknown): boolean {
    if (err instanceof AcrGuardError) return err.retryable;
    if (isRestError(err)) return err.statusCode === undefined || isRetryableStatus(err.statusCode);
    return true;
}
