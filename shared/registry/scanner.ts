import { AcrGuardError } from '../errors/acrGuardError';
import type { TrivyReport } from '../trivy/report';

/**
 * The scanner port: one vulnerability scan of one image, addressed by digest (what is scanned is
 * exactly what is promoted). The production adapter runs Trivy in an ACR Task run
 * (acrTaskScanner.ts). A scanner never reports "clean" when it could not scan: every failure is a
 * ScannerError.
 */

export interface ScanRequest {
    /** Login server of the registry, e.g. contoso.azurecr.io. */
    readonly registry: string;
    readonly repository: string;
    readonly digest: string;
}

export interface ScanResult {
    /** Trivy's JSON report, byte for byte as Trivy wrote it (verified against the hash the task printed). */
    readonly reportJson: string;
    /** The report parsed, and checked to be about the digest that was asked for. */
    readonly report: TrivyReport;
    readonly trivyVersion: string;
    /** When the vulnerability DB used was built (Trivy's VulnerabilityDB.UpdatedAt); rescans compare it. */
    readonly dbVersion?: string;
    /** The ACR run that produced the report. */
    readonly runId: string;
    /** The end of the run log outside the report, for records and troubleshooting. */
    readonly logExcerpt: string;
}

export interface Scanner {
    scan(request: ScanRequest): Promise<ScanResult>;
}

export type ScannerErrorReason =
    /** The request itself is unacceptable (bad name, foreign registry): retrying will not help. */
    | 'invalid-request'
    | 'schedule-failed'
    | 'poll-failed'
    | 'run-failed'
    | 'timeout'
    | 'log-unavailable'
    /** No report block for this run's nonce in the log. */
    | 'report-missing'
    /** Markers duplicated or out of order, or a body that is not base64/gzip. */
    | 'report-corrupt'
    /** The report's sha256 or size differs from what the task printed. */
    | 'report-hash-mismatch'
    /** Verified bytes that are not a Trivy SchemaVersion 2 JSON report. */
    | 'report-invalid';

export class ScannerError extends AcrGuardError {
    declare readonly code: ScannerErrorReason;

    constructor(
        code: ScannerErrorReason,
        message: string,
        readonly runId?: string,
        readonly logExcerpt?: string,
        options?: { cause?: unknown },
    ) {
        // A request that can never succeed is not retried; everything else may pass on a retry.
        super(message, { code, retryable: code !== 'invalid-request', cause: options?.cause });
    }
}
