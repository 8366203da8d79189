import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { scanReportBlock } from './scanLogEnvelope';
import { renderTask, taskSteps, type TaskStep } from './taskDefinition';
import type { RunOutcome, ScheduledRun, TaskExecutor } from './taskRuns';

export interface LocalTaskExecutorOptions {
    /** The Trivy executable: a name looked up on PATH, or a path (default `trivy`). */
    readonly trivy?: string;
    /**
     * Trivy's cache (vulnerability DB), kept across runs so the DB is downloaded once, not per
     * scan as in an ACR agent's fresh /workspace. Default: <tmpdir>/acr-guard-local-registry-trivy-cache.
     */
    readonly cacheDir?: string;
    /** Environment of the tools (default: this process's). */
    readonly env?: NodeJS.ProcessEnv;
    /** Overrides the task's own `retryDelay` between step attempts (tests: 0). */
    readonly retryDelaySeconds?: number;
}

const SCAN_STEP = 'acr-guard-trivy-scan';
const EMIT_STEP = 'acr-guard-emit-report';
const PATCH_STEP = 'acr-guard-copa';
const ACR_SETTINGS = 'ACR_GUARD_REGISTRY_LOGIN_SERVER, ACR_GUARD_REGISTRY_RESOURCE_ID';

export const TRIVY_MISSING_LINE =
    'local-registry: cannot scan: `trivy` is not on the PATH. Install Trivy (https://trivy.dev, e.g. `brew install trivy` or the aquasecurity apt repository), ' +
    `or point the app at a real registry (${ACR_SETTINGS}) to scan in ACR Tasks.`;
export const PATCHING_NEEDS_ACR_LINE =
    'local-registry: patching needs an ACR: Copacetic patch runs need BuildKit and a container engine, which the local registry does not run. ' +
    `Point the app at a real registry (${ACR_SETTINGS}) to patch images.`;

/**
 * The task executor of the local registry: it runs on this machine what the ACR Task would run.
 * - acr-guard's Trivy scan task: the task's own Trivy command line (rendered from the task YAML
 *   and its values, so a change to shared/registry/trivyScanTask.ts is followed here), with the
 *   ACR agent's `/workspace` mapped to a temporary directory and the image reference pointed at
 *   the registry's plain-HTTP listener; then the report step's envelope, byte for byte the
 *   format the app verifies. Without `trivy` on the PATH the run fails closed with one line
 *   saying what to install.
 * - acr-guard's Copacetic patch task: fails with one line, "patching needs an ACR".
 * - anything else: fails closed, naming the task's steps.
 */
export function localTaskExecutor(options: LocalTaskExecutorOptions = {}): TaskExecutor {
    const env = options.env ?? process.env;
    const trivyName = options.trivy ?? 'trivy';
    const cacheDir = options.cacheDir ?? join(tmpdir(), 'acr-guard-local-registry-trivy-cache');
    return async (run) => {
        let steps: TaskStep[];
        try {
            steps = taskSteps(renderTask(run));
        } catch (err) {
            return failed(`local-registry: the task cannot be rendered: ${(err as Error).message}`);
        }
        const ids = steps.map((s) => s.id);
        if (ids.includes(PATCH_STEP)) return failed(PATCHING_NEEDS_ACR_LINE);
        const scan = steps.find((s) => s.id === SCAN_STEP);
        if (!scan || !ids.includes(EMIT_STEP)) {
            return failed(`local-registry: only acr-guard's Trivy scan task runs locally; this task (steps ${ids.join(', ') || 'none'}) needs an ACR (${ACR_SETTINGS}).`);
        }
        const trivy = findExecutable(trivyName, env);
        if (!trivy) return failed(TRIVY_MISSING_LINE);
        return runScan(run, options.retryDelaySeconds === undefined ? scan : { ...scan, retryDelaySeconds: options.retryDelaySeconds }, trivy, cacheDir, env);
    };
}

async function runScan(run: ScheduledRun, step: TaskStep, trivy: string, cacheDir: string, env: NodeJS.ProcessEnv): Promise<RunOutcome> {
    const [, subcommand, ...rest] = step.cmd.split(/\s+/);
    if (subcommand !== 'image') return failed(`local-registry: the scan step runs \`${subcommand ?? ''}\`, not \`trivy image\`; refusing to run it.`);
    const nonce = run.values['nonce'] ?? '';
    const imageRef = run.values['imageRef'] ?? '';
    const workspace = mkdtempSync(join(tmpdir(), `acr-guard-run-${run.runId}-`));
    const log: string[] = [stamp(`Executing step ID: ${SCAN_STEP} locally. Timeout(sec): ${step.timeoutSeconds ?? 'none'}, Working directory: '${workspace}'`)];
    try {
        const args = ['image'];
        for (let i = 0; i < rest.length; i++) {
            const arg = rest[i]!;
            if (arg === '--cache-dir') {
                args.push(arg, cacheDir);
                i += 1;
            } else if (arg === imageRef && run.pullAddress && imageRef.startsWith(`${run.loginServer}/`)) {
                // The login server may be a name only the app uses (e.g. <name>.azurecr.io): pull from this machine's listener.
                args.push(`${run.pullAddress}/${imageRef.slice(run.loginServer.length + 1)}`);
            } else {
                args.push(arg.startsWith('/workspace/') ? join(workspace, arg.slice('/workspace/'.length)) : arg);
            }
        }
        const output = args[args.indexOf('--output') + 1];
        if (args.indexOf('--output') < 0 || !output) return failed('local-registry: the scan step names no --output report file; refusing to run it.');
        log.push(stamp(`trivy ${args.join(' ')}`));

        let ok = false;
        for (let attempt = 0; attempt <= step.retries && !ok; attempt++) {
            if (attempt > 0) {
                log.push(stamp(`Step ID: ${SCAN_STEP} failed, retrying in ${step.retryDelaySeconds}s (attempt ${attempt + 1} of ${step.retries + 1})`));
                await sleep(step.retryDelaySeconds * 1000);
            }
            const result = await exec(trivy, args, env, step.timeoutSeconds);
            log.push(...result.output);
            ok = result.code === 0 && existsSync(output);
            if (!ok) log.push(stamp(`trivy exited with ${result.code}${result.timedOut ? ' (step timeout)' : ''}`));
        }
        if (!ok) return { status: 'Failed', log: finish(log, `Run ID: ${run.runId} failed: step ${SCAN_STEP} failed`), errorMessage: `step ${SCAN_STEP} failed` };
        log.push(stamp(`Successfully executed step: ${SCAN_STEP}`));

        log.push(stamp(`Executing step ID: ${EMIT_STEP} locally`));
        const version = await exec(trivy, ['version', '--format', 'json', '--cache-dir', cacheDir], env, 300);
        // The version line is informative (the report itself is what the app verifies): `{}` when trivy cannot tell.
        const versionJson = version.code === 0 ? version.stdout.trim() : '{}';
        log.push(...scanReportBlock(nonce, readFileSync(output), versionJson));
        log.push(stamp(`Successfully executed step: ${EMIT_STEP}`));
        return { status: 'Succeeded', log: finish(log, `Run ID: ${run.runId} was successful`) };
    } finally {
        rmSync(workspace, { recursive: true, force: true });
    }
}

interface ExecResult {
    readonly code: number;
    readonly stdout: string;
    readonly output: string[];
    readonly timedOut: boolean;
}

function exec(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutSeconds: number | undefined): Promise<ExecResult> {
    return new Promise((resolve) => {
        execFile(file, args, { env, timeout: (timeoutSeconds ?? 0) * 1000, maxBuffer: 256 * 1024 * 1024, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
            const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
            const text = `${stderr}${error && typeof error.code !== 'number' ? `${error.message}\n` : ''}`;
            resolve({ code, stdout, output: text.split('\n').filter((l) => l.trim() !== ''), timedOut: Boolean(error?.killed) });
        });
    });
}

function failed(line: string): RunOutcome {
    return { status: 'Failed', log: `${line}\n`, errorMessage: line };
}

function finish(log: string[], last: string): string {
    return `${[...log, '', last, ''].join('\r\n')}`;
}

function stamp(text: string): string {
    const t = new Date().toISOString();
    return `${t.slice(0, 10).replace(/-/g, '/')} ${t.slice(11, 19)} ${text}`;
}

/** `name` when it is a path to an executable, else its first executable match on PATH. */
export function findExecutable(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
    const candidates = name.includes('/') ? [name] : (env['PATH'] ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, name));
    for (const candidate of candidates) {
        try {
            accessSync(candidate, constants.X_OK);
            return candidate;
        } catch {
            // not here
        }
    }
    return undefined;
}
