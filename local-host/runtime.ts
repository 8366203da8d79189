import type { RpcInvocationResponse } from './coreTypes';
import type { QueueOptions } from './hostJson';
import { invokeFunction, type InvocationEnvironment, type InvocationInput } from './invoke';
import { writeQueueOutputs } from './outputs';
import type { RegisteredFunction } from './registry';

/**
 * What every trigger source calls to run a function: the invocation plus its queue outputs,
 * counted so `idle()` knows whether anything is still running.
 */
export class FunctionRunner {
    #inFlight = 0;
    #stopping = false;

    constructor(
        private readonly env: InvocationEnvironment,
        private readonly queueOptions: QueueOptions,
    ) {}

    get inFlight(): number {
        return this.#inFlight;
    }

    get stopping(): boolean {
        return this.#stopping;
    }

    async run(fn: RegisteredFunction, input: InvocationInput): Promise<RpcInvocationResponse> {
        if (this.#stopping) throw new Error(`The host is stopping; "${fn.name}" was not run.`);
        this.#inFlight += 1;
        try {
            const response = await invokeFunction(this.env, fn, input);
            await writeQueueOutputs(fn, response, this.queueOptions);
            return response;
        } finally {
            this.#inFlight -= 1;
        }
    }

    /** Refuse new invocations, then wait for the running ones (bounded) before the host stops. */
    async drain(timeoutMs: number): Promise<void> {
        this.#stopping = true;
        const deadline = Date.now() + timeoutMs;
        while (this.#inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    }
}
