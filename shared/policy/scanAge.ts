import { durationToMs } from './duration';
import type { VerdictReason } from './verdict';

/** Clock skew tolerated between the scanner's clock and ours before a scan time counts as "in the future". */
export const SCAN_TIME_SKEW_MS = 5 * 60_000;

/**
 * Judges whether a scan is recent enough to decide on. Returns the reason it is not, or null.
 *
 * A stale (or undatable) scan makes the verdict `error`, not `fail`: the image was not shown to violate
 * the policy; we merely lack current evidence about it. `error` never passes (fail closed), and it tells
 * the caller the remedy is to rescan, whereas `fail` means "the image itself is not acceptable".
 *
 * @param maxScanAge ISO 8601 duration from the effective rule, null for no limit.
 * @param scannedAt when the scan ran (a Date or an RFC 3339 string such as Trivy's CreatedAt).
 */
export function judgeScanAge(maxScanAge: string | null, scannedAt: Date | string | null | undefined, now: Date): VerdictReason | null {
    const at = scannedAt === null || scannedAt === undefined ? null : scannedAt instanceof Date ? scannedAt : new Date(scannedAt);
    if (at !== null && Number.isNaN(at.getTime())) {
        return { code: 'scan-time-invalid', message: `the scan time "${String(scannedAt)}" is not a date` };
    }
    if (at !== null && at.getTime() - now.getTime() > SCAN_TIME_SKEW_MS) {
        return { code: 'scan-time-invalid', message: `the scan time ${at.toISOString()} is in the future (now ${now.toISOString()})` };
    }
    if (maxScanAge === null) return null;
    const limit = durationToMs(maxScanAge);
    if (limit === null) return { code: 'policy-invalid', message: `maxScanAge "${maxScanAge}" is not a supported duration` };
    if (at === null) return { code: 'scan-time-unknown', message: `the policy requires a scan younger than ${maxScanAge}, and the scan time is unknown` };
    const age = now.getTime() - at.getTime();
    if (age > limit) {
        return { code: 'scan-too-old', message: `the scan from ${at.toISOString()} is older than ${maxScanAge} (age ${formatAge(age)}): rescan the image` };
    }
    return null;
}

/** True when {@link judgeScanAge} finds a reason not to trust the scan's age. */
export const isScanStale = (maxScanAge: string | null, scannedAt: Date | string | null | undefined, now: Date) => judgeScanAge(maxScanAge, scannedAt, now) !== null;

function formatAge(ms: number): string {
    const hours = Math.floor(ms / 3_600_000);
    return hours >= 48 ? `${Math.floor(hours / 24)}d` : hours >= 1 ? `${hours}h` : `${Math.floor(ms / 60_000)}m`;
}
