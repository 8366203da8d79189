/**
 * Trivy DB versions are the DB's build time (VulnerabilityDB.UpdatedAt), RFC 3339 with up to
 * nanoseconds (`2025-01-02T06:13:07.465548741Z`). Date.parse would cut the nanoseconds, so they
 * are compared as (seconds, fraction padded to 9 digits). Anything else is not comparable: null.
 */
const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

function sortKey(version: string): string | null {
    const m = RFC3339.exec(version.trim());
    if (!m) return null;
    const seconds = Date.parse(`${m[1]}${m[3]}`);
    if (Number.isNaN(seconds)) return null;
    return `${String(seconds / 1000).padStart(14, '0')}.${(m[2] ?? '').padEnd(9, '0')}`;
}

/** <0, 0, >0 like a comparator; null when either version is not an RFC 3339 time stamp. */
export function compareDbVersions(a: string, b: string): number | null {
    const ka = sortKey(a);
    const kb = sortKey(b);
    if (ka === null || kb === null) return null;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** The newest readable version of a list (unreadable ones are ignored); null when there is none. */
export function newestDbVersion(versions: Iterable<string | null | undefined>): string | null {
    let newest: string | null = null;
    for (const v of versions) {
        if (!v || sortKey(v) === null) continue;
        if (newest === null || compareDbVersions(v, newest)! > 0) newest = v;
    }
    return newest;
}
