/**
 * The gate policy's durations (maximum scan age) are ISO 8601 durations limited to units of fixed
 * length: weeks, days, hours, minutes, seconds (`PT24H`, `P7D`, `P1DT12H`, `PT90M`). Years and months
 * are refused: their length depends on the calendar, and a security limit should not.
 */
export const ISO_DURATION_PATTERN = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

const UNIT_MS = [7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000] as const;

/** Milliseconds in `duration`, or null when it is not a supported, non-zero ISO 8601 duration. */
export function durationToMs(duration: string): number | null {
    const m = ISO_DURATION_PATTERN.exec(duration);
    if (!m || duration.endsWith('T')) return null;
    let ms = 0;
    let any = false;
    UNIT_MS.forEach((unit, i) => {
        const part = m[i + 1];
        if (part !== undefined) {
            any = true;
            ms += Number(part) * unit;
        }
    });
    return any && ms > 0 && Number.isSafeInteger(ms) ? ms : null;
}
