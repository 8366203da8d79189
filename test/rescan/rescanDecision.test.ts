import { describe, expect, it } from 'vitest';
import { compareDbVersions, newestDbVersion } from '../../shared/rescan/dbVersion';
import { pulledImagesQuery } from '../../shared/rescan/pulledImagesQuery';
import { decideRescan } from '../../shared/rescan/rescanDecision';

const HOUR = 3_600_000;
const now = new Date('2026-11-22T03:00:00Z');
const rules = { currentDbVersion: '2026-11-21T06:13:07.465548741Z', minIntervalMs: 12 * HOUR, maxVerdictAgeMs: 7 * 24 * HOUR, now };
const scanned = (hoursAgo: number, dbVersion: string | null, hasGoodVerdict = true) => ({ scannedAt: new Date(now.getTime() - hoursAgo * HOUR), dbVersion, hasGoodVerdict });

describe('Trivy DB versions', () => {
    it('compare to the nanosecond, whatever the fraction length or offset', () => {
        expect(compareDbVersions('2025-01-02T06:13:07.465548741Z', '2025-01-02T06:13:07.465548742Z')).toBe(-1);
        expect(compareDbVersions('2025-01-02T06:13:07.4655Z', '2025-01-02T06:13:07.465500000Z')).toBe(0);
        expect(compareDbVersions('2025-01-02T08:13:07+02:00', '2025-01-02T06:13:07Z')).toBe(0);
        expect(compareDbVersions('2025-01-03T00:00:00Z', '2025-01-02T23:59:59.999999999Z')).toBe(1);
        expect(compareDbVersions('yesterday', '2025-01-02T06:13:07Z')).toBeNull();
        expect(newestDbVersion([null, '2025-01-02T06:13:07Z', 'junk', '2025-01-03T06:13:07.1Z', undefined, '2025-01-01T00:00:00Z'])).toBe('2025-01-03T06:13:07.1Z');
        expect(newestDbVersion([null, 'junk'])).toBeNull();
    });
});

describe('decideRescan', () => {
    it('rescans only what a rescan can change, never within the minimum interval', () => {
        expect(decideRescan(null, rules)).toEqual({ rescan: true, reason: 'never-scanned' });
        expect(decideRescan(scanned(48, '2026-11-20T06:13:07Z'), rules)).toEqual({ rescan: true, reason: 'db-version-advanced' });
        expect(decideRescan(scanned(48, rules.currentDbVersion), rules)).toEqual({ rescan: false, reason: 'current-db-version' });
        expect(decideRescan(scanned(1, '2026-11-20T06:13:07Z'), rules)).toEqual({ rescan: false, reason: 'scanned-recently' });
        expect(decideRescan(scanned(1, null, false), rules)).toEqual({ rescan: false, reason: 'scanned-recently' });
        expect(decideRescan(scanned(13, null, false), rules)).toEqual({ rescan: true, reason: 'no-good-verdict' });
        expect(decideRescan(scanned(13, null), rules)).toEqual({ rescan: true, reason: 'db-version-unknown' });
        expect(decideRescan(scanned(13, 'not a time'), rules)).toEqual({ rescan: true, reason: 'db-version-unknown' });
        expect(decideRescan(scanned(13, '2026-11-20T06:13:07Z'), { ...rules, currentDbVersion: null })).toEqual({ rescan: true, reason: 'db-version-unknown' });
        expect(decideRescan(scanned(7 * 24, rules.currentDbVersion), rules)).toEqual({ rescan: true, reason: 'verdict-too-old' });
        // A verdict made with a DB newer than any recorded one (clock skew between scans) is current.
        expect(decideRescan(scanned(48, '2026-11-22T00:00:00Z'), rules)).toEqual({ rescan: false, reason: 'current-db-version' });
    });
});

describe('pulledImagesQuery', () => {
    it('is built from validated values only', () => {
        expect(pulledImagesQuery('live/', 30)).toBe(
            [
                'ContainerRegistryRepositoryEvents',
                '| where TimeGenerated > ago(30d)',
                '| where OperationName == "Pull"',
                '| where Repository startswith "live/"',
                '| where isnotempty(Digest)',
                '| summarize LastPulled = max(TimeGenerated), Pulls = count(), Tag = take_any(Tag) by Repository, Digest',
                '| order by LastPulled desc',
            ].join('\n'),
        );
        for (const prefix of ['live/" or 1==1 //', 'live', 'Live/', 'live/\n| take 1/', '']) expect(() => pulledImagesQuery(prefix, 30)).toThrow(/not a plain repository prefix/);
        for (const days of [0, -1, 1.5, 366, Number.NaN]) expect(() => pulledImagesQuery('live/', days)).toThrow(RangeError);
    });
});
