import type { z } from 'zod';

/** Renders a zod issue path as people read JSON: `Results[3].Vulnerabilities[0].Severity`. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
    let out = '';
    for (const key of path) {
        if (typeof key === 'number') out += `[${key}]`;
        else out += out === '' ? String(key) : `.${String(key)}`;
    }
    return out === '' ? '(top level)' : out;
}

/** One line per issue, each naming where in the document it is. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], limit = 10): string[] {
    const lines = issues.slice(0, limit).map((i) => `${formatIssuePath(i.path)}: ${i.message}`);
    if (issues.length > limit) lines.push(`… and ${issues.length - limit} more problem(s)`);
    return lines;
}
