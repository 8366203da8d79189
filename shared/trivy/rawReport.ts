import { z } from 'zod';
import { SEVERITIES } from './finding';

/*
 * The zod shape of a Trivy JSON report, SchemaVersion 2 (`trivy image --format json`), limited to the
 * fields acr-guard reads. Objects strip unknown keys, so the large per-vulnerability fields we do not
 * keep (Description, References, CVSS, ...) are neither validated nor copied.
 *
 * Lenient where real reports are (see ../shared/fixtures/PROVENANCE.md §2):
 * - Go's `omitempty` drops empty fields, and older Trivy versions wrote `null` for empty slices, so every
 *   list is optional and nullable (`Results`, `Vulnerabilities`, `Secrets`, ...).
 * - `Metadata.OS` is absent when no OS was detected (language packages only, scratch/distroless-static).
 * - `Trivy.Version` is absent in reports from older versions; `Type` is absent for `secret`/`custom` results.
 * - `Severity` may be absent (Go's `omitempty`, hand-trimmed reports such as copa's test inputs) or
 *   empty: it is then derived from `VendorSeverity`/`SeveritySource` (see report.ts, severityOf), and a
 *   finding with no severity at all rejects the report: it must never count as harmless UNKNOWN.
 * Strict where it matters for the gate: a vulnerability without an id, or with a severity Trivy never
 * writes, is rejected rather than guessed at (fail closed).
 */

const optionalText = z.string().nullish();
const optionalList = z.array(z.unknown()).nullish();

export const rawVulnerabilitySchema = z.object({
    VulnerabilityID: z.string().min(1, { error: 'expected a non-empty vulnerability id' }),
    PkgID: optionalText,
    PkgName: optionalText,
    PkgPath: optionalText,
    PkgIdentifier: z.object({ PURL: optionalText, UID: optionalText }).nullish(),
    InstalledVersion: optionalText,
    FixedVersion: optionalText,
    Status: optionalText,
    Title: optionalText,
    // '' is read as absent (a writer without omitempty); anything else must be one of Trivy's names.
    Severity: z.enum([...SEVERITIES, ''], { error: `expected one of ${SEVERITIES.join(', ')}` }).nullish(),
    /** Trivy's per-source severities as numbers (0 UNKNOWN … 4 CRITICAL); only read when Severity is missing. */
    VendorSeverity: z.record(z.string(), z.unknown()).nullish(),
    /** The source whose VendorSeverity Trivy chose for Severity (nvd, ghsa, debian, …). */
    SeveritySource: optionalText,
});
export type RawVulnerability = z.infer<typeof rawVulnerabilitySchema>;

export const rawResultSchema = z.object({
    Target: optionalText,
    Class: optionalText,
    Type: optionalText,
    Vulnerabilities: z.array(rawVulnerabilitySchema).nullish(),
    Secrets: optionalList,
    Misconfigurations: optionalList,
    Licenses: optionalList,
    CustomResources: optionalList,
    Packages: optionalList,
});
export type RawResult = z.infer<typeof rawResultSchema>;

export const rawReportSchema = z.object({
    SchemaVersion: z.literal(2, { error: 'expected SchemaVersion 2 (a Trivy JSON report, `trivy image --format json`)' }),
    CreatedAt: optionalText,
    ReportID: optionalText,
    ArtifactID: optionalText,
    ArtifactName: optionalText,
    ArtifactType: optionalText,
    Trivy: z.object({ Version: optionalText }).nullish(),
    Metadata: z
        .object({
            OS: z
                .object({
                    Family: optionalText,
                    Name: optionalText,
                    EOSL: z.boolean().nullish(),
                })
                .nullish(),
            ImageID: optionalText,
            RepoTags: z.array(z.string()).nullish(),
            RepoDigests: z.array(z.string()).nullish(),
        })
        .nullish(),
    Results: z.array(rawResultSchema).nullish(),
});
export type RawReport = z.infer<typeof rawReportSchema>;
