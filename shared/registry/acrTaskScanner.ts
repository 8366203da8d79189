import { randomBytes } from 'node:crypto';
import { extractScanReport } from './scanReportEnvelope';
import { ScannerError, type Scanner, type ScanRequest, type ScanResult, type ScanRunRequest, type ScanRuns, type StartedScan } from './scanner';
import { runToCompletion, TaskRunError, type TaskRunner, type TaskRunRequest, type TaskRunState } from './taskRunner';
import { SCANNER_WAIT_HEAD_ROOM_SECONDS } from '../config/limits';
import { buildTrivyScanTask, DEFAULT_TRIVY_DB_REPOSITORIES, type PackageType } from './trivyScanTask';
import { excerptOf } from './scanReportEnvelope';
import { errorMessage } from '../errors/errorMessage';
import { parseTrivyReportJson, type TrivyReport } from '../trivy/report';
import { reportSubjectMismatch } from '../trivy/reportSubject';

export interface AcrTaskScannerOptions {
    /** The guarded registry's login server: the only registry this scanner will scan. */
    readonly loginServer: string;
    readonly trivyImage: string;
    readonly scanTimeoutSeconds: number;
    readonly dbRepositories?: readonly string[];
    readonly javaDbRepositories?: readonly string[];
    /** Default os + library (see trivyScanTask.ts). */
    readonly pkgTypes?: readonly PackageType[];
    readonly pollIntervalMs?: number;
    /** How long to wait for the run before giving up (default: the run's own time limit + SCANNER_WAIT_HEAD_ROOM_SECONDS). */
    readonly waitTimeoutMs?: number;
    readonly sleep?: (ms: number) => Promise<void>;
}

/** The Scanner port over an ACR Task run of Trivy (through any TaskRunner), and its two-step form (ScanRuns). */
export class AcrTaskScanner implements Scanner, ScanRuns {
    constructor(private readonly runner: TaskRunner, private readonly options: AcrTaskScannerOptions) {}

    /** Schedules, waits in this invocation, collects: for callers that cannot wait off the invocation (the patch worker's pre-scan). */
    async scan(request: ScanRequest): Promise<ScanResult> {
        const task = this.task(request);
        let completed;
        try {
            completed = await runToCompletion(this.runner, task.run, {
                timeoutMs: this.options.waitTimeoutMs ?? (task.run.timeoutSeconds + SCANNER_WAIT_HEAD_ROOM_SECONDS) * 1000,
                pollIntervalMs: this.options.pollIntervalMs ?? 5000,
                ...(this.options.sleep ? { sleep: this.options.sleep } : {}),
            });
        } catch (err) {
            throw scannerErrorOf(err, request);
        }
        return this.verify(request, { runId: completed.runId, nonce: task.nonce }, completed.state, completed.log);
    }

    async start(request: ScanRunRequest): Promise<StartedScan> {
        const task = this.task(request);
        try {
            const { runId } = await this.runner.schedule(task.run);
            return { runId, nonce: task.nonce };
        } catch (err) {
            throw scannerErrorOf(err, request);
        }
    }

    async state(runId: string): Promise<TaskRunState> {
        try {
            return await this.runner.get(runId);
        } catch (err) {
            throw new ScannerError('poll-failed', `run ${runId}: ${errorMessage(err)}`, runId, undefined, { cause: err });
        }
    }

    async collect(request: ScanRequest, run: StartedScan): Promise<ScanResult> {
        const state = await this.state(run.runId);
        if (!state.finished) throw new ScannerError('poll-failed', `scan of ${describe(request)}: run ${run.runId} has not finished (${state.status})`, run.runId);
        let log: string;
        try {
            log = await this.runner.readLog(run.runId);
        } catch (err) {
            throw new ScannerError('log-unavailable', `scan of ${describe(request)}: the log of run ${run.runId} cannot be read: ${errorMessage(err)}`, run.runId, undefined, { cause: err });
        }
        return this.verify(request, run, state, log);
    }

    private task(request: ScanRunRequest): { run: TaskRunRequest; nonce: string } {
        if (request.registry.toLowerCase() !== this.options.loginServer.toLowerCase()) {
            throw new ScannerError('invalid-request', `refusing to scan ${JSON.stringify(request.registry.slice(0, 80))}: only ${this.options.loginServer} is scanned`);
        }
        // A fresh, unguessable nonce per scan ties the report block in the log to this run.
        const nonce = randomBytes(16).toString('hex');
        try {
            const run = buildTrivyScanTask({
                loginServer: this.options.loginServer,
                repository: request.repository,
                digest: request.digest,
                nonce,
                trivyImage: this.options.trivyImage,
                dbRepositories: this.options.dbRepositories ?? DEFAULT_TRIVY_DB_REPOSITORIES,
                ...(this.options.javaDbRepositories ? { javaDbRepositories: this.options.javaDbRepositories } : {}),
                pkgTypes: this.options.pkgTypes ?? ['os', 'library'],
                scanTimeoutSeconds: this.options.scanTimeoutSeconds,
                ...(request.platform !== undefined ? { platform: request.platform } : {}),
            });
            return { run, nonce };
        } catch (err) {
            throw new ScannerError('invalid-request', `scan of ${describe(request)} refused: ${errorMessage(err)}`, undefined, undefined, { cause: err });
        }
    }

    private verify(request: ScanRequest, run: StartedScan, state: TaskRunState, log: string): ScanResult {
        const { runId, nonce } = run;
        if (state.status !== 'Succeeded') {
            const excerpt = excerptOf(log.split('\n'));
            throw new ScannerError(
                state.status === 'Timeout' ? 'timeout' : 'run-failed',
                `scan of ${describe(request)}: run ${runId} ended ${state.status}${state.errorMessage ? `: ${state.errorMessage}` : ''}`,
                runId,
                excerpt,
            );
        }
        const extracted = extractScanReport(log, nonce, runId);
        // The transport is bound to the run by its nonce and hash; what the report is about is
        // checked here too, so every caller (push scans, rescans, the patch worker) gets only a
        // report of the digest it asked for.
        let report: TrivyReport;
        try {
            report = parseTrivyReportJson(extracted.reportJson, `report of run ${runId}`);
        } catch (err) {
            throw new ScannerError('report-invalid', `run ${runId}: the report does not parse: ${errorMessage(err)}`, runId, undefined, { cause: err });
        }
        const mismatch = reportSubjectMismatch(report, request.digest);
        if (mismatch) throw new ScannerError('report-invalid', `run ${runId}: ${mismatch}`, runId);
        return {
            reportJson: extracted.reportJson,
            report,
            trivyVersion: extracted.trivyVersion ?? 'unknown',
            ...(extracted.dbVersion ? { dbVersion: extracted.dbVersion } : {}),
            runId,
            logExcerpt: extracted.logExcerpt,
        };
    }
}

function scannerErrorOf(err: unknown, request: ScanRequest): ScannerError {
    if (err instanceof ScannerError) return err;
    if (err instanceof TaskRunError) {
        return new ScannerError(err.code, `scan of ${describe(request)}: ${err.message}`, err.runId, undefined, { cause: err });
    }
    return new ScannerError('poll-failed', `scan of ${describe(request)}: ${errorMessage(err)}`, undefined, undefined, { cause: err });
}

const describe = (r: ScanRequest) => `${r.registry}/${r.repository}@${r.digest}`.slice(0, 400);
