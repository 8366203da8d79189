import { AcrGuardError } from '../errors/acrGuardError';
import type { TrivyReport } from '../trivy/report';
import type { TaskRunState } from './taskRunner';

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

/** A scan of one platform child of a multi-platform image: still by the child's own digest. */
export interface ScanRunRequest extends ScanRequest {
    /** `os/arch[/variant]` of the child (Trivy's --platform), when it is one. */
    readonly platform?: string;
}

/** A scheduled scan run: its id and the nonce that binds the report in its log to it (keep both). */
export interface StartedScan {
    readonly runId: string;
    readonly nonce: string;
}

/**
 * The scanner in two steps, so no invocation waits for a run (the scan pipeline schedules, records
 * the run id, and looks again from a delayed check message): `start` schedules the run, `state`
 * says whether it finished, `collect` reads and verifies the report of a finished run.
 */
export interface ScanRuns {
    start(request: ScanRunRequest): Promise<StartedScan>;
    state(runId: string): Promise<TaskRunState>;
    /** The verified report of a finished run; ScannerError when the run failed or its report cannot be trusted. */
    collect(request: ScanRequest, run: StartedScan): Promise<ScanResult>;
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
