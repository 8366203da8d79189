import { randomUUID } from 'node:crypto';
import type { RpcInvocationResponse } from './coreTypes';
import { formatTimeSpan, type QueueOptions } from './hostJson';
import { invokeFunction, type InvocationEnvironment, type InvocationInput } from './invoke';
import { writeQueueOutputs } from './outputs';
import type { RegisteredFunction } from './registry';

/** An invocation that overran host.json `functionTimeout` (the host's `FunctionTimeoutException` message). */
export class FunctionTimeoutError extends Error {
    constructor(functionName: string, timeoutMs: number) {
        super(`Timeout value of ${formatTimeSpan(timeoutMs)} was exceeded by function: Functions.${functionName}`);
        this.name = 'FunctionTimeoutError';
    }
}

/** An invocation that was running in the worker process Azure restarts after another invocation timed out. */
export class WorkerRestartedError extends Error {
    constructor(timedOutInvocationId: string) {
        super(`The worker process running this invocation was restarted because invocation '${timedOutInvocationId}' timed out.`);
        this.name = 'WorkerRestartedError';
    }
}

/**
 * What every trigger source calls to run a function: the invocation plus its queue outputs,
 * counted so `idle()` knows whether anything is still running, under host.json's
 * `functionTimeout` as Azure enforces it.
 */
export class FunctionRunner {
    /** The invocations running now, by invocation id: all of them share the one "worker". */
    readonly #running = new Map<string, AbortController>();
    #stopping = false;

    constructor(
        private readonly env: InvocationEnvironment,
        private readonly queueOptions: QueueOptions,
        private readonly functionTimeoutMs: number | undefined,
    ) {}

    get inFlight(): number {
        return this.#running.size;
    }

    get stopping(): boolean {
        return this.#stopping;
    }

    async run(fn: RegisteredFunction, input: InvocationInput): Promise<RpcInvocationResponse> {
        if (this.#stopping) throw new Error(`The host is stopping; "${fn.name}" was not run.`);
        const invocationId = randomUUID();
        const controller = new AbortController();
        this.#running.set(invocationId, controller);
        const timeoutMs = this.functionTimeoutMs;
        const timer = timeoutMs === undefined ? undefined : setTimeout(() => this.#timedOut(fn, invocationId, timeoutMs), timeoutMs);
        try {
            const response = await invokeFunction(this.env, fn, input, { invocationId, signal: controller.signal });
            clearTimeout(timer);
            await writeQueueOutputs(fn, response, this.queueOptions);
            return response;
        } finally {
            clearTimeout(timer);
            this.#running.delete(invocationId);
        }
    }

    /**
     * Azure's host fails an invocation that overruns `functionTimeout` (webjobs-sdk
     * `FunctionExecutor`: "Timeout value of … exceeded by function '…' (Id: '…'). Initiating
     * cancellation.", then a `FunctionTimeoutException`), and for an out-of-process language
     * worker then restarts the worker process that ran it (azure-functions-host
     * `WebJobsExceptionHandler.OnTimeoutExceptionAsync` → `RestartWorkerWithInvocationIdAsync`),
     * which fails every other invocation running in that process too. A queue message whose
     * invocation failed that way is retried, or poisoned on its last attempt, like any failure.
     * Here the app runs in the host's own process, so nothing can be killed: the invocations fail
     * and their late results are dropped, but their code runs on to its end.
     */
    #timedOut(fn: RegisteredFunction, invocationId: string, timeoutMs: number): void {
        const controller = this.#running.get(invocationId);
        if (!controller) return;
        const log = this.env.log;
        log({
            level: 'error',
            category: 'host',
            functionName: fn.name,
            invocationId,
            message: `Timeout value of ${formatTimeSpan(timeoutMs)} exceeded by function 'Functions.${fn.name}' (Id: '${invocationId}'). Initiating cancellation.`,
        });
        controller.abort(new FunctionTimeoutError(fn.name, timeoutMs));
        const others = [...this.#running].filter(([id]) => id !== invocationId);
        log({
            level: 'warning',
            category: 'host',
            message:
                `A function timeout has occurred. Restarting worker process executing invocationId '${invocationId}'. ` +
                `(Local host: the app shares this process, so the ${others.length} other invocation(s) running fail as Azure's would, but no code is stopped.)`,
        });
        for (const [, other] of others) other.abort(new WorkerRestartedError(invocationId));
    }

    /** Refuse new invocations, then wait for the running ones (bounded) before the host stops. */
    async drain(timeoutMs: number): Promise<void> {
        this.#stopping = true;
        const deadline = Date.now() + timeoutMs;
        while (this.#running.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    }
}
