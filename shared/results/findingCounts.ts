import { isFixable, SEVERITIES, type Finding, type Severity } from '../trivy/finding';
import type { FindingCounts, SeverityCount } from './scanResultStore';

/** Counts findings the way Trivy's own `Total:` does: every entry counts, duplicates included. */
export function countFindings(findings: readonly Finding[]): FindingCounts {
    const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, { total: 0, fixable: 0 }])) as Record<
        Severity,
        { total: number; fixable: number }
    >;
    let fixable = 0;
    for (const f of findings) {
        const slot = bySeverity[f.severity];
        slot.total += 1;
        if (isFixable(f)) {
            slot.fixable += 1;
            fixable += 1;
        }
    }
    return { total: findings.length, fixable, bySeverity: bySeverity as Record<Severity, SeverityCount> };
}

export const emptyCounts = (): FindingCounts => countFindings([]);
