import { readFile } from 'node:fs/promises';
import { formatIssues } from '../validation/issuePath';
import { SEVERITIES, type Finding, type Severity } from './finding';
import { rawReportSchema, type RawResult, type RawVulnerability } from './rawReport';
import { AcrGuardError } from '../errors/acrGuardError';
import { errorMessage } from '../errors/errorMessage';

/** The OS Trivy detected. `eosl` is Trivy's `Metadata.OS.EOSL`, false when the report omits it. */
export interface ReportOs {
    readonly family: string;
    readonly name: string;
    readonly eosl: boolean;
}

/** One Trivy Result (a target such as the OS packages, a lock file, a file with secrets) and what it holds. */
export interface ReportResult {
    readonly target: string;
    /** os-pkgs, lang-pkgs, secret, config, license, custom, ... ('' when the report has no Class). */
    readonly class: string;
    /** alpine, debian, node-pkg, jar, ... null for classes without one (secret, custom). */
    readonly type: string | null;
    readonly vulnerabilityCount: number;
    readonly secretCount: number;
    readonly misconfigurationCount: number;
    readonly licenseCount: number;
    readonly customResourceCount: number;
}

/**
 * What acr-guard keeps of a Trivy JSON report. Trivy's JSON report carries no vulnerability DB metadata
 * (that is only in `trivy version --format json`), so the DB version is not part of it.
 */
export interface TrivyReport {
    readonly schemaVersion: 2;
    readonly artifactName: string | null;
    readonly artifactType: string | null;
    /** `ArtifactID` (for images, the image config digest). */
    readonly artifactId: string | null;
    readonly imageId: string | null;
    readonly repoTags: readonly string[];
    /** `repo@sha256:...` as Trivy saw them: lets a caller check it scanned the digest it asked for. */
    readonly repoDigests: readonly string[];
    /** null when Trivy detected no OS. */
    readonly os: ReportOs | null;
    /** Every vulnerability entry as Trivy reports it, in report order (duplicates at different paths kept). */
    readonly findings: readonly Finding[];
    readonly results: readonly ReportResult[];
    /** `Trivy.Version`, absent in reports from older Trivy versions. */
    readonly trivyVersion: string | null;
    /** `CreatedAt` as written by Trivy (RFC 3339, nanoseconds), absent in older reports. */
    readonly createdAt: string | null;
    readonly reportId: string | null;
}

/** The input is not a Trivy SchemaVersion 2 report. `problems` name where, e.g. `Results[0].Vulnerabilities[3].Severity`. */
export class TrivyReportError extends AcrGuardError {
    constructor(
        message: string,
        readonly problems: readonly string[] = [],
    ) {
        super(problems.length === 0 ? message : `${message}:\n  ${problems.join('\n  ')}`, { code: 'invalid-report', retryable: false });
    }
}

const nonEmpty = (v: string | null | undefined): string | null => (typeof v === 'string' && v !== '' ? v : null);
const count = (list: readonly unknown[] | null | undefined) => list?.length ?? 0;

/** Validates an already-parsed JSON value as a Trivy report and maps it to a {@link TrivyReport}. */
export function parseTrivyReport(input: unknown, source = 'report'): TrivyReport {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        throw new TrivyReportError(`${source} is not a Trivy report: expected a JSON object, got ${Array.isArray(input) ? 'an array' : input === null ? 'null' : typeof input}`);
    }
    if (!('SchemaVersion' in input)) {
        throw new TrivyReportError(`${source} is not a Trivy report: it has no SchemaVersion (expected the output of \`trivy image --format json\`, SchemaVersion 2)`);
    }
    const parsed = rawReportSchema.safeParse(input);
    if (!parsed.success) {
        throw new TrivyReportError(`${source} is not a valid Trivy SchemaVersion 2 report`, formatIssues(parsed.error.issues));
    }
    const raw = parsed.data;
    const rawOs = raw.Metadata?.OS;
    const results = raw.Results ?? [];
    const unjudgeable = results.flatMap((r, i) => (r.Vulnerabilities ?? []).flatMap((v, j) => (severityOf(v) === null ? [`Results[${i}].Vulnerabilities[${j}].Severity: ${v.VulnerabilityID} has no Severity and no usable VendorSeverity to derive it from`] : [])));
    if (unjudgeable.length > 0) {
        // Counting such a finding as UNKNOWN would let it pass every policy that does not block UNKNOWN.
        throw new TrivyReportError(`${source} cannot be judged: ${unjudgeable.length} finding(s) carry no severity`, unjudgeable.slice(0, 20));
    }
    return {
        schemaVersion: 2,
        artifactName: nonEmpty(raw.ArtifactName),
        artifactType: nonEmpty(raw.ArtifactType),
        artifactId: nonEmpty(raw.ArtifactID),
        imageId: nonEmpty(raw.Metadata?.ImageID),
        // Trivy writes `[""]` for images it could not resolve a digest for: an empty entry is no entry.
        repoTags: (raw.Metadata?.RepoTags ?? []).filter((t) => t.trim() !== ''),
        repoDigests: (raw.Metadata?.RepoDigests ?? []).filter((d) => d.trim() !== ''),
        os: osOf(rawOs),
        findings: results.flatMap(findingsOf),
        results: results.map(summaryOf),
        trivyVersion: nonEmpty(raw.Trivy?.Version),
        createdAt: nonEmpty(raw.CreatedAt),
        reportId: nonEmpty(raw.ReportID),
    };
}

/** Parses report text (a string or the file's bytes). A UTF-8 byte-order mark (PowerShell's `Out-File`, some editors) is skipped. */
export function parseTrivyReportJson(text: string | Buffer, source = 'report'): TrivyReport {
    let value: unknown;
    try {
        const decoded = typeof text === 'string' ? text : text.toString('utf8');
        value = JSON.parse(decoded.charCodeAt(0) === 0xfeff ? decoded.slice(1) : decoded);
    } catch (err) {
        throw new TrivyReportError(`${source} is not JSON: ${errorMessage(err)}`);
    }
    return parseTrivyReport(value, source);
}

/** Reads and parses a report file; errors name the file. */
export async function readTrivyReportFile(file: string): Promise<TrivyReport> {
    return parseTrivyReportJson(await readFile(file), file);
}

/** Trivy's numeric severities (trivy-db `types.Severity`): the index is the number written in VendorSeverity. */
const NUMERIC_SEVERITIES: readonly Severity[] = ['UNKNOWN', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

function vendorSeverity(value: unknown): Severity | null {
    return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < NUMERIC_SEVERITIES.length ? NUMERIC_SEVERITIES[value]! : null;
}

/**
 * The finding's severity: `Severity` when present; otherwise what Trivy itself would have written,
 * `VendorSeverity[SeveritySource]`; otherwise the most severe vendor rating (fail closed: when it is
 * unknown which source applies, the worst one counts); null when there is nothing to go by.
 */
export function severityOf(v: Pick<RawVulnerability, 'Severity' | 'VendorSeverity' | 'SeveritySource'>): Severity | null {
    if (v.Severity) return v.Severity;
    const vendors = v.VendorSeverity ?? {};
    const source = nonEmpty(v.SeveritySource);
    const chosen = source !== null && Object.hasOwn(vendors, source) ? vendorSeverity(vendors[source]) : null;
    if (chosen !== null) return chosen;
    const rated = Object.values(vendors).map(vendorSeverity).filter((s): s is Severity => s !== null);
    if (rated.length === 0) return null;
    return SEVERITIES.find((s) => rated.includes(s))!;
}

/** `Metadata.OS`, or null when Trivy detected none: absent, empty, or the family `none` Trivy writes for "no OS". */
function osOf(rawOs: { Family?: string | null; Name?: string | null; EOSL?: boolean | null } | null | undefined): ReportOs | null {
    if (!rawOs) return null;
    const family = nonEmpty(rawOs.Family?.trim());
    if (family?.toLowerCase() === 'none') return null;
    if (family === null && nonEmpty(rawOs.Name?.trim()) === null) return null;
    return { family: rawOs.Family ?? '', name: rawOs.Name ?? '', eosl: rawOs.EOSL === true };
}

function findingsOf(result: RawResult): Finding[] {
    const target = result.Target ?? '';
    const resultClass = result.Class ?? '';
    const resultType = nonEmpty(result.Type);
    return (result.Vulnerabilities ?? []).map((v) => ({
        vulnerabilityId: v.VulnerabilityID,
        // Checked by parseTrivyReport before mapping: never null here.
        severity: severityOf(v)!,
        status: nonEmpty(v.Status),
        pkgName: v.PkgName ?? '',
        pkgId: nonEmpty(v.PkgID) ?? nonEmpty(v.PkgIdentifier?.PURL),
        pkgPath: nonEmpty(v.PkgPath),
        installedVersion: v.InstalledVersion ?? '',
        fixedVersion: nonEmpty(v.FixedVersion),
        title: nonEmpty(v.Title),
        target,
        resultClass,
        resultType,
    }));
}

function summaryOf(result: RawResult): ReportResult {
    return {
        target: result.Target ?? '',
        class: result.Class ?? '',
        type: nonEmpty(result.Type),
        vulnerabilityCount: count(result.Vulnerabilities),
        secretCount: count(result.Secrets),
        misconfigurationCount: count(result.Misconfigurations),
        licenseCount: count(result.Licenses),
        customResourceCount: count(result.CustomResources),
    };
}
