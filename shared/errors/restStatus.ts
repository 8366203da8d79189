import { isRestError } from '@azure/core-rest-pipeline';

/**
 * The HTTP status of an Azure SDK failure (a RestError from @azure/core-rest-pipeline, which every
 * Azure SDK client of ours throws), or undefined for anything else (a transport failure, a bug).
 * Branch on this and RestError's `code`, never on message text.
 */
export function statusOf(err: unknown): number | undefined {
    return isRestError(err) ? err.statusCode : undefined;
}

/** True when `err` is an Azure SDK failure with one of these statuses. */
export function hasStatus(err: unknown, ...statuses: readonly number[]): boolean {
    const status = statusOf(err);
    return status !== undefined && statuses.includes(status);
}

/** 404: the entity, queue or resource is not there. */
export const isNotFound = (err: unknown): boolean => hasStatus(err, 404);

/** 409 (the entity exists already) or 412 (the ETag no longer matches): someone else wrote first. */
export const isConflict = (err: unknown): boolean => hasStatus(err, 409, 412);
