/** Trivy's severities, most severe first. */
export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * One vulnerability as Trivy reports it: one entry per vulnerability per package occurrence
 * (the same CVE in two packages or two paths is two findings, like Trivy's own `Total:`).
 */
export interface Finding {
    readonly vulnerabilityId: string;
    readonly severity: Severity;
    /** Trivy's Status (fixed, affected, will_not_fix, ...), null when the report has none. */
    readonly status: string | null;
    readonly pkgName: string;
    /** PkgID or PkgIdentifier.PURL when present: tells two occurrences of one package apart. */
    readonly pkgId: string | null;
    /** PkgPath for language packages (a file inside the image), null for OS packages. */
    readonly pkgPath: string | null;
    readonly installedVersion: string;
    /** Non-empty when a fix exists: such a finding is "fixable". */
    readonly fixedVersion: string | null;
    readonly title: string | null;
    /** The Result it came from: Target, Class (os-pkgs, lang-pkgs, ...) and Type (alpine, npm, ...). */
    readonly target: string;
    readonly resultClass: string;
    readonly resultType: string | null;
}

export const isFixable = (f: Pick<Finding, 'fixedVersion'>) => typeof f.fixedVersion === 'string' && f.fixedVersion.trim() !== '';
