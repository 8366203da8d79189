import { AcrGuardError } from '../errors/acrGuardError';

/**
 * Runs an ACR Task definition (multi-step YAML) in the guarded registry and reads its log. The
 * scanner runs Trivy on it; the patcher runs Trivy + Copacetic on it. The adapter over
 * `@azure/arm-containerregistry` is acrTaskRunner.ts.
 */

export interface TaskRunRequest {
    /**
     * The task definition (ACR Tasks YAML). It must be a constant of the caller's code: anything
     * that varies per run goes in `values` and is referenced as `{{.Values.name}}`.
     */
    readonly taskYaml: string;
    /** Per-run values; each is checked against TASK_VALUE_PATTERN before anything is scheduled. */
    readonly values: Readonly<Record<string, string>>;
    /** ACR's run timeout in seconds (ACR accepts 300 to 28800). */
    readonly timeoutSeconds: number;
    readonly architecture?: 'amd64' | 'arm64';
    readonly cpu?: number;
}

export type TaskRunStatus = 'Queued' | 'Started' | 'Running' | 'Succeeded' | 'Failed' | 'Canceled' | 'Error' | 'Timeout';

export const FINISHED_STATUSES: ReadonlySet<TaskRunStatus> = new Set(['Succeeded', 'Failed', 'Canceled', 'Error', 'Timeout']);

export interface TaskRunState {
    readonly runId: string;
    readonly status: TaskRunStatus;
    readonly finished: boolean;
    readonly errorMessage?: string;
    readonly startTime?: Date;
    readonly finishTime?: Date;
}

export interface TaskRunner {
    /** Schedules the run; resolves with its id as soon as ACR has queued it. */
    schedule(request: TaskRunRequest): Promise<{ runId: string }>;
    get(runId: string): Promise<TaskRunState>;
    /** The run's raw text log (ACR's rawtext.log, read through its SAS link). */
    readLog(runId: string): Promise<string>;
}

export type TaskRunErrorReason = 'invalid-request' | 'schedule-failed' | 'poll-failed' | 'log-unavailable' | 'timeout';

export class TaskRunError extends AcrGuardError {
    declare readonly code: TaskRunErrorReason;

    constructor(
        code: TaskRunErrorReason,
        message: string,
        readonly runId?: string,
        options?: { cause?: unknown },
    ) {
        super(message, { code, retryable: code !== 'invalid-request', cause: options?.cause });
    }
}

/** Value names as ACR's Go templates address them: `{{.Values.name}}`. */
export const TASK_VALUE_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/**
 * What a task value may contain: the characters of image references, digests, tags, hex nonces,
 * numbers, durations and comma lists. Values are substituted into the YAML as text by ACR, so
 * newlines, spaces, quotes, `$`, `{`/`}`, `#` and `|` (anything that could end a scalar, start a
 * step, expand in a shell or open a template) can never be a value.
 */
export const TASK_VALUE_PATTERN = /^[A-Za-z0-9._:/@+=,-]{1,1024}$/;

/** Throws TaskRunError('invalid-request') unless every value name and value is safe. */
export function assertSafeTaskValues(values: Readonly<Record<string, string>>): void {
    for (const [name, value] of Object.entries(values)) {
        if (!TASK_VALUE_NAME_PATTERN.test(name)) {
            throw new TaskRunError('invalid-request', `task value name ${JSON.stringify(name.slice(0, 80))} is not allowed`);
        }
        if (typeof value !== 'string' || !TASK_VALUE_PATTERN.test(value)) {
            throw new TaskRunError('invalid-request', `task value ${name} contains characters that are not allowed in a task definition`);
        }
    }
}

export interface RunToCompletionOptions {
    /** Give up waiting after this long (the run may continue in ACR; it is not trusted). */
    readonly timeoutMs: number;
    readonly pollIntervalMs: number;
    readonly sleep?: (ms: number) => Promise<void>;
    readonly now?: () => number;
}

export interface CompletedRun {
    readonly runId: string;
    readonly state: TaskRunState;
    readonly log: string;
}

/**
 * Schedules a run, polls it until it finishes or the time limit passes, then reads its log.
 * Resolves for any finished run (Succeeded or not: the caller decides); rejects with
 * TaskRunError('timeout') when the run does not finish in time.
 */
export async function runToCompletion(runner: TaskRunner, request: TaskRunRequest, options: RunToCompletionOptions): Promise<CompletedRun> {
    const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const now = options.now ?? Date.now;
    const { runId } = await runner.schedule(request);
    const deadline = now() + options.timeoutMs;
    let state = await runner.get(runId);
    while (!state.finished) {
        if (now() >= deadline) {
            throw new TaskRunError('timeout', `run ${runId} did not finish within ${options.timeoutMs} ms (last status ${state.status})`, runId);
        }
        await sleep(options.pollIntervalMs);
        state = await runner.get(runId);
    }
    return { runId, state, log: await runner.readLog(runId) };
}
