/**
 * The KQL the reconciler sends to Log Analytics: pushes and imports into the live prefix over a
 * time window, from ACR's `ContainerRegistryRepositoryEvents` resource log. Only validated values
 * go in: the prefix must match the repository-prefix grammar (lower-case path components, no
 * quotes, no spaces), the times are ISO 8601 strings we format ourselves, and the row cap is an
 * integer. Nothing from an event or a log row is ever spliced in; a value that fails validation
 * throws instead of being escaped.
 */
const PREFIX = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*\/$/;
import { AcrGuardError } from '../errors/acrGuardError';

export interface LiveWritesQueryInput {
    readonly livePrefix: string;
    readonly start: Date;
    readonly end: Date;
    /** At most this many rows (the reconciler advances its checkpoint to the last row when it is hit). */
    readonly maxRows: number;
}

export class UnsafeQueryValue extends AcrGuardError {
    constructor(what: string) {
        super(`refusing to build the reconciliation query: ${what}`, { code: 'unsafe-query-value', retryable: false });
    }
}

/** Columns the query projects, in order. */
export const LIVE_WRITE_COLUMNS = [
    'TimeGenerated',
    'OperationName',
    'LoginServer',
    'Repository',
    'Tag',
    'Digest',
    'Identity',
    'UserAgent',
    'CallerIpAddress',
    'CorrelationId',
    'ResultDescription',
] as const;

const kqlDatetime = (d: Date, what: string) => {
    if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new UnsafeQueryValue(`${what} is not a valid time`);
    return `datetime(${d.toISOString()})`;
};

export function buildLiveWritesQuery(input: LiveWritesQueryInput): string {
    if (typeof input.livePrefix !== 'string' || !PREFIX.test(input.livePrefix)) throw new UnsafeQueryValue('the live prefix is not a repository prefix such as "live/"');
    if (!Number.isInteger(input.maxRows) || input.maxRows < 1 || input.maxRows > 30_000) throw new UnsafeQueryValue('maxRows must be an integer from 1 to 30000');
    const start = kqlDatetime(input.start, 'the window start');
    const end = kqlDatetime(input.end, 'the window end');
    if (input.start.getTime() >= input.end.getTime()) throw new UnsafeQueryValue('the window start is not before its end');
    return [
        'ContainerRegistryRepositoryEvents',
        `| where TimeGenerated >= ${start} and TimeGenerated < ${end}`,
        // startswith is case-insensitive, as repository names are lower-case anyway.
        `| where Repository startswith "${input.livePrefix}"`,
        // Push is documented; importImage is what imports log (observed, not documented): both
        // compared case-insensitively, since the exact casing is unverified.
        '| where OperationName =~ "Push" or OperationName =~ "importImage"',
        '| where isnotempty(Digest)',
        // Rejected requests (4xx/5xx) wrote nothing; an empty or unknown result still counts.
        '| where not(ResultDescription startswith "4" or ResultDescription startswith "5")',
        `| project ${LIVE_WRITE_COLUMNS.join(', ')}`,
        '| order by TimeGenerated asc',
        `| take ${input.maxRows}`,
    ].join('\n');
}
