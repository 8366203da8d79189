import { isRestError } from '@azure/core-rest-pipeline';
import { RegistryError, type RegistryErrorReason } from './registry';
import { errorMessage } from '../errors/errorMessage';

/**
 * Maps an Azure SDK failure to a RegistryError, branching on RestError's statusCode and code
 * (never on message text). Anything that is not a RestError is a bug or a transport failure and
 * is reported as `unavailable` with the original error as cause.
 */
export function toRegistryError(err: unknown, operation: string): RegistryError {
    if (err instanceof RegistryError) return err;
    if (isRestError(err)) {
        const status = err.statusCode;
        const reason: RegistryErrorReason =
            status === undefined ? 'unavailable'
            : status === 400 || status === 422 ? 'invalid-input'
            : status === 401 ? 'unauthorized'
            : status === 403 ? 'forbidden'
            : status === 404 ? 'not-found'
            : status === 409 || status === 412 ? 'conflict'
            : status === 429 ? 'throttled'
            : status >= 500 ? 'unavailable'
            : 'unexpected-response';
        const details = { operation, ...(status !== undefined ? { statusCode: status } : {}), ...(err.code ? { code: err.code } : {}) };
        return new RegistryError(reason, `${operation} failed: HTTP ${status ?? '-'}${err.code ? ` ${err.code}` : ''}: ${err.message}`, details, { cause: err });
    }
    return new RegistryError('unavailable', `${operation} failed: ${errorMessage(err)}`, { operation }, { cause: err });
}
