import { compareDbVersions } from './dbVersion';

/** What the results store says about one digest, as far as a rescan decision needs it. */
export interface LastScan {
    readonly scannedAt: Date;
    /** The DB version the last good verdict was made with; null when unknown. */
    readonly dbVersion: string | null;
    /** False when only failed scans are on record (no good verdict yet). */
    readonly hasGoodVerdict: boolean;
}

export interface RescanRules {
    /** The newest Trivy DB version known (see currentDbVersion in rescanSelection.ts); null when none is. */
    readonly currentDbVersion: string | null;
    /** A digest scanned more recently than this is left alone, whatever its DB version. */
    readonly minIntervalMs: number;
    /**
     * A verdict older than this is rescanned even with the newest known DB version: this is how a
     * newer DB is discovered when no push scan has recorded one (see README).
     */
    readonly maxVerdictAgeMs: number;
    readonly now: Date;
}

export type RescanReason = 'never-scanned' | 'no-good-verdict' | 'db-version-unknown' | 'db-version-advanced' | 'verdict-too-old';
export type SkipReason = 'scanned-recently' | 'current-db-version';

export type RescanDecision = { readonly rescan: true; readonly reason: RescanReason } | { readonly rescan: false; readonly reason: SkipReason };

/** Rescan only when it can change the answer (a newer DB, or no trustworthy answer yet), never more often than minInterval. */
export function decideRescan(last: LastScan | null, rules: RescanRules): RescanDecision {
    if (last === null) return { rescan: true, reason: 'never-scanned' };
    const age = rules.now.getTime() - last.scannedAt.getTime();
    if (age < rules.minIntervalMs) return { rescan: false, reason: 'scanned-recently' };
    if (!last.hasGoodVerdict) return { rescan: true, reason: 'no-good-verdict' };
    if (last.dbVersion === null || rules.currentDbVersion === null) return { rescan: true, reason: 'db-version-unknown' };
    const cmp = compareDbVersions(last.dbVersion, rules.currentDbVersion);
    if (cmp === null) return { rescan: true, reason: 'db-version-unknown' };
    if (cmp < 0) return { rescan: true, reason: 'db-version-advanced' };
    if (age >= rules.maxVerdictAgeMs) return { rescan: true, reason: 'verdict-too-old' };
    return { rescan: false, reason: 'current-db-version' };
}
