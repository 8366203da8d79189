import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SEVERITIES, type Finding, type Severity } from '../../shared/trivy/finding';

/** The shared real Trivy reports, read in place (never copied into the repo). */
export const trivyFixtures = path.resolve(__dirname, '../../../shared/fixtures/trivy');
export const juiceShopReport = path.join(trivyFixtures, 'securecodebox-juice-shop-v12.10.2.json');

interface RawVulnerability {
    VulnerabilityID: string;
    Severity?: string;
    Status?: string;
    PkgName: string;
    PkgID?: string;
    PkgIdentifier?: { PURL?: string };
    PkgPath?: string;
    InstalledVersion: string;
    FixedVersion?: string;
    Title?: string;
}
interface RawReport {
    Metadata?: { OS?: { Family: string; Name: string; EOSL?: boolean } };
    Results?: { Target: string; Class: string; Type?: string; Vulnerabilities?: RawVulnerability[] }[];
}

export const readReport = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as RawReport;

/**
 * A deliberately small mapping from Trivy's JSON to Finding, for these tests only (the real parser
 * lives with the Trivy parsing work in shared/trivy/).
 */
export function findingsOf(report: RawReport): Finding[] {
    const findings: Finding[] = [];
    for (const result of report.Results ?? []) {
        for (const v of result.Vulnerabilities ?? []) {
            findings.push({
                vulnerabilityId: v.VulnerabilityID,
                severity: (SEVERITIES as readonly string[]).includes(v.Severity ?? '') ? (v.Severity as Severity) : 'UNKNOWN',
                status: v.Status ?? null,
                pkgName: v.PkgName,
                pkgId: v.PkgID ?? v.PkgIdentifier?.PURL ?? null,
                pkgPath: v.PkgPath ?? null,
                installedVersion: v.InstalledVersion,
                fixedVersion: v.FixedVersion ?? null,
                title: v.Title ?? null,
                target: result.Target,
                resultClass: result.Class,
                resultType: result.Type ?? null,
            });
        }
    }
    return findings;
}

/** Raw entry count, computed straight from the JSON. */
export function rawEntryCount(report: RawReport): number {
    return (report.Results ?? []).reduce((n, r) => n + (r.Vulnerabilities?.length ?? 0), 0);
}
