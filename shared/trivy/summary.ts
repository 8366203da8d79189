import { isFixable, SEVERITIES, type Finding, type Severity } from './finding';
import type { ReportOs, TrivyReport } from './report';

export interface SeverityCount {
    total: number;
    /** Entries with a non-empty fixed version. */
    fixable: number;
}

export interface VulnerabilityCounts extends SeverityCount {
    bySeverity: Record<Severity, SeverityCount>;
}

/** Per Result class (os-pkgs, lang-pkgs, secret, config, custom, ...). */
export interface ClassCounts {
    results: number;
    vulnerabilities: number;
    fixable: number;
    secrets: number;
    misconfigurations: number;
}

/**
 * What `acr-guard report summarize` prints. Counts are of entries as Trivy reports them (like Trivy's
 * own `Total:`): one per vulnerability per package occurrence, so one CVE in two packages or two paths
 * counts twice.
 */
export interface ReportSummary {
    artifact: { name: string | null; type: string | null };
    os: ReportOs | null;
    vulnerabilities: VulnerabilityCounts;
    byClass: Record<string, ClassCounts>;
    trivyVersion: string | null;
    createdAt: string | null;
}

/** Counts findings per severity, all and fixable. */
export function countVulnerabilities(findings: readonly Pick<Finding, 'severity' | 'fixedVersion'>[]): VulnerabilityCounts {
    const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, { total: 0, fixable: 0 }])) as Record<Severity, SeverityCount>;
    let fixable = 0;
    for (const f of findings) {
        const bucket = bySeverity[f.severity];
        bucket.total++;
        if (isFixable(f)) {
            bucket.fixable++;
            fixable++;
        }
    }
    return { total: findings.length, fixable, bySeverity };
}

export function summarizeReport(report: TrivyReport): ReportSummary {
    const byClass: Record<string, ClassCounts> = {};
    const classOf = (name: string) => (byClass[name] ??= { results: 0, vulnerabilities: 0, fixable: 0, secrets: 0, misconfigurations: 0 });
    for (const r of report.results) {
        const c = classOf(r.class);
        c.results++;
        c.vulnerabilities += r.vulnerabilityCount;
        c.secrets += r.secretCount;
        c.misconfigurations += r.misconfigurationCount;
    }
    for (const f of report.findings) if (isFixable(f)) classOf(f.resultClass).fixable++;
    return {
        artifact: { name: report.artifactName, type: report.artifactType },
        os: report.os,
        vulnerabilities: countVulnerabilities(report.findings),
        byClass,
        trivyVersion: report.trivyVersion,
        createdAt: report.createdAt,
    };
}
