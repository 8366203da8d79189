/**
 * RFC 3339 timestamps as ACR and Event Grid write them: `Z`, `+00:00` or `-07:00` offsets and
 * 0-9 fractional digits (the samples carry 7 or 9, more than a JS Date holds). Parsed strictly:
 * a value that is not a real RFC 3339 instant (the spec sample "019-03-12T22:42:08.7034064Z",
 * a month 13) is refused rather than guessed.
 */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/** Returns the instant as an ISO 8601 UTC string with millisecond precision, or null if malformed. */
export function parseTimestamp(value: string): string | null {
    const match = RFC3339.exec(value);
    if (!match) return null;
    const [, year, month, day, hour, minute, second, fraction = '', offset = 'Z'] = match;
    const ms = fraction.padEnd(3, '0').slice(0, 3);
    const utcOffset = offset.toUpperCase() === 'Z' ? 'Z' : offset;
    const date = new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}.${ms}${utcOffset}`);
    if (Number.isNaN(date.getTime())) return null;
    // Date rolls 2021-02-30 over to March: check the calendar fields round-trip (in the local offset).
    const sign = utcOffset === 'Z' ? 0 : utcOffset.startsWith('-') ? -1 : 1;
    const offsetMinutes = sign * (Number(utcOffset.slice(1, 3)) * 60 + Number(utcOffset.slice(4, 6)));
    const local = new Date(date.getTime() + offsetMinutes * 60_000);
    if (
        local.getUTCFullYear() !== Number(year) ||
        local.getUTCMonth() + 1 !== Number(month) ||
        local.getUTCDate() !== Number(day) ||
        local.getUTCHours() !== Number(hour)
    ) {
        return null;
    }
    return date.toISOString();
}
