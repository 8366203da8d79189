import type { Verdict, VerdictOutcome, VerdictReason } from '../policy/verdict';
import type { Finding, Severity } from '../trivy/finding';

/** What one scan of one image digest produced, ready to be recorded. */
export interface ScanRecord {
    readonly registry: string;
    readonly repository: string;
    /** The image is always addressed by digest; the tag is only what it was pushed as. */
    readonly digest: string;
    readonly tag: string | null;
    readonly scanId: string;
    readonly scannedAt: Date;
    readonly scanner: { readonly name: string; readonly version: string | null; readonly dbVersion: string | null };
    readonly os: { readonly family: string; readonly name: string; readonly eosl: boolean } | null;
    readonly verdict: Verdict;
    readonly findings: readonly Finding[];
    /**
     * The findings (a subset of `findings`) this scan found that the previous good scan of the
     * digest did not: the scan pipeline's diff. Their rows are marked, so a redelivered message
     * can rebuild the same verdict event (listNewFindings) after an observer failed the first time.
     */
    readonly newFindings?: readonly Finding[];
}

export interface SeverityCount {
    readonly total: number;
    readonly fixable: number;
}

/** Counts of findings as Trivy reports them (one per vulnerability per package occurrence). */
export interface FindingCounts {
    readonly total: number;
    readonly fixable: number;
    readonly bySeverity: Readonly<Record<Severity, SeverityCount>>;
}

/** The last word on one image digest. */
export interface ScanSummary {
    readonly registry: string;
    readonly repository: string;
    readonly digest: string;
    /** Every tag this digest was recorded under, oldest first. */
    readonly tagsSeen: readonly string[];
    /**
     * The verdict of the last good (pass/fail) scan; `error` only when no scan of this digest ever
     * succeeded. A later failed scan never replaces it: see lastError.
     */
    readonly verdict: Verdict;
    /** True when the reasons were too large for one Table property and their id lists were cut. */
    readonly reasonsTruncated: boolean;
    readonly scanId: string;
    readonly scannedAt: Date;
    readonly scanner: ScanRecord['scanner'];
    readonly os: ScanRecord['os'];
    readonly counts: FindingCounts;
    /** Vulnerability rows stored for this scan (exact duplicates are merged into one row). */
    readonly findingRows: number;
    /** The write generation the summary points at; null when no good scan was ever recorded. */
    readonly generation: string | null;
    /** The good verdict this one replaced, when a different scan produced it. */
    readonly previous: { readonly outcome: VerdictOutcome; readonly scanId: string; readonly scannedAt: Date } | null;
    /** The newest failed scan not yet followed by a good one. */
    readonly lastError: { readonly scanId: string; readonly at: Date; readonly reasons: readonly VerdictReason[] } | null;
    readonly recordedAt: Date;
}

/** One stored vulnerability row. */
export interface StoredFinding extends Finding {
    /** How many identical entries (same id, package, version, target and path) the report had. */
    readonly occurrences: number;
}

/** One answer to "which images carry vulnerability X?". */
export interface ImageWithVulnerability {
    readonly vulnerabilityId: string;
    readonly digest: string;
    readonly registry: string;
    readonly repository: string;
    /** The highest severity this vulnerability has in the image. */
    readonly severity: Severity;
    readonly fixable: boolean;
    /** `name@installedVersion` of the affected packages (at most a few dozen). */
    readonly packages: readonly string[];
    readonly occurrences: number;
    readonly scanId: string;
    readonly scannedAt: Date;
}

export type RecordStatus =
    /** The scan is now the summary's verdict, with its findings. */
    | 'recorded'
    /** A newer good scan was already recorded: only the tag was merged. */
    | 'superseded'
    /** The verdict was `error`: recorded as lastError; an earlier good verdict and its findings were kept. */
    | 'error-recorded';

export interface RecordOutcome {
    readonly status: RecordStatus;
    /** For `error-recorded`: whether a good verdict existed and was kept. */
    readonly keptLastGood: boolean;
    readonly generation: string | null;
}

/**
 * A summary as read, with what the store needs to replace it without reading it again (its ETag).
 * The scan pipeline reads the digest's summary once and hands the snapshot back to recordScan and
 * listFindings; a snapshot that went stale only costs a re-read (the write is ETag-guarded).
 */
export interface SummarySnapshot {
    readonly summary: ScanSummary;
    readonly etag: string;
}

/** What the caller already read (`null`: it read and found no summary). Absent: the store reads. */
export interface KnownSummary {
    readonly current?: SummarySnapshot | null;
}

/** Where scan results live. Every method is safe to call again with the same input. */
export interface ScanResultStore {
    recordScan(scan: ScanRecord, known?: KnownSummary): Promise<RecordOutcome>;
    getSummary(digest: string): Promise<ScanSummary | null>;
    /** The summary with its ETag, for a caller that will record (or list findings) next. */
    getSummarySnapshot(digest: string): Promise<SummarySnapshot | null>;
    listFindings(digest: string, known?: KnownSummary): Promise<StoredFinding[]>;
    /** Adds a tag to tagsSeen and changes nothing else (ETag-guarded; re-reads only on a conflict). */
    addTag(digest: string, tag: string, known?: KnownSummary): Promise<void>;
    /**
     * The findings of write generation `generation` that were recorded as new (ScanRecord.newFindings),
     * in report order with duplicates repeated; empty when that generation is gone.
     */
    listNewFindings(digest: string, generation: string): Promise<Finding[]>;
    /** One query, whatever the number of images. */
    imagesWithVulnerability(vulnerabilityId: string): Promise<ImageWithVulnerability[]>;
    listSummaries(options?: { repositoryPrefix?: string }): Promise<ScanSummary[]>;
}
