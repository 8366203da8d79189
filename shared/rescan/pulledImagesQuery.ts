import { MAX_PULLED_WITHIN_DAYS } from '../config/limits';
/**
 * The KQL that lists digests pulled from live/ in the last N days, from ACR's resource logs
 * (`ContainerRegistryRepositoryEvents`, OperationName "Pull"; see the quarantine reference §2).
 * Built only from validated values: a whole number of days and a repository prefix made of
 * [a-z0-9._/-] (checked again here, whatever the caller validated), so nothing from outside can
 * change the query's shape.
 */
const SAFE_PREFIX = /^[a-z0-9][a-z0-9._/-]{0,254}\/$/;

export function pulledImagesQuery(livePrefix: string, withinDays: number): string {
    if (!Number.isInteger(withinDays) || withinDays < 1 || withinDays > MAX_PULLED_WITHIN_DAYS) {
        throw new RangeError(`withinDays must be a whole number from 1 to ${MAX_PULLED_WITHIN_DAYS}, got ${withinDays}`);
    }
    if (!SAFE_PREFIX.test(livePrefix)) throw new RangeError(`live prefix ${JSON.stringify(livePrefix)} is not a plain repository prefix such as "live/"`);
    return [
        'ContainerRegistryRepositoryEvents',
        `| where TimeGenerated > ago(${withinDays}d)`,
        '| where OperationName == "Pull"',
        `| where Repository startswith "${livePrefix}"`,
        '| where isnotempty(Digest)',
        '| summarize LastPulled = max(TimeGenerated), Pulls = count(), Tag = take_any(Tag) by Repository, Digest',
        '| order by LastPulled desc',
    ].join('\n');
}
