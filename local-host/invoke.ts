import type { RegisteredHook } from './coreApi';
import type { CoreInvocationContext, ProgrammingModel, RpcInvocationResponse, RpcTypedData } from './coreTypes';
import { runHooks } from './hooks';
import type { HostLogger } from './logs';
import type { RegisteredFunction } from './registry';

export interface InvocationEnvironment {
    readonly programmingModel: ProgrammingModel;
    readonly hooks: readonly RegisteredHook[];
    readonly appHookData: Record<string, unknown>;
    readonly log: HostLogger;
}

export interface InvocationInput {
    /** The trigger's data, as the host sends it to the worker. */
    readonly triggerData: RpcTypedData;
    readonly triggerMetadata?: Record<string, RpcTypedData>;
    /** Why the host runs the function, for the "Executing" log line (e.g. "New queue message detected"). */
    readonly reason: string;
}

/** The function threw (or a hook did): carries the invocation id for logs and responses. */
export class InvocationFailedError extends Error {
    constructor(
        readonly functionName: string,
        readonly invocationId: string,
        override readonly cause: unknown,
    ) {
        super(`Function "${functionName}" failed (invocation ${invocationId}): ${cause instanceof Error ? cause.message : String(cause)}`);
        this.name = 'InvocationFailedError';
    }
}

/** What the runner controls about one invocation: its id, and the signal that ends it early. */
export interface InvocationControl {
    readonly invocationId: string;
    /**
     * Aborted (with the reason as the failure) when the invocation overran `functionTimeout` or
     * the worker running it was restarted. The function's code cannot be stopped in this process;
     * the invocation fails at once, and its late result, postInvocation hooks and outputs are dropped,
     * as they are when Azure kills the worker process.
     */
    readonly signal: AbortSignal;
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
    // A late rejection of abandoned work is expected: never an unhandled rejection.
    work.catch(() => undefined);
    return new Promise<T>((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
}

/**
 * One invocation, in the worker's order (worker `src/eventHandlers/InvocationHandler.ts`):
 * getInvocationModel → getArguments → preInvocation hooks → invokeFunction → postInvocation
 * hooks → getResponse. The real library converts the RPC input and the output.
 */
export async function invokeFunction(env: InvocationEnvironment, fn: RegisteredFunction, input: InvocationInput, control: InvocationControl): Promise<RpcInvocationResponse> {
    const { invocationId, signal } = control;
    const functionName = fn.name;
    const started = Date.now();
    env.log({ level: 'information', category: 'host', functionName, invocationId, message: `Executing 'Functions.${functionName}' (Reason='${input.reason}', Id=${invocationId})` });
    const coreCtx: CoreInvocationContext = {
        invocationId,
        metadata: fn.metadata,
        request: {
            invocationId,
            functionId: functionName,
            inputData: [{ name: fn.trigger.name, data: input.triggerData }],
            triggerMetadata: input.triggerMetadata ?? {},
        },
        log(level, category, message) {
            env.log({ level, category: category === 'user' ? 'user' : 'system', functionName, invocationId, message });
        },
    };
    const run = async (): Promise<RpcInvocationResponse> => {
        const model = env.programmingModel.getInvocationModel(coreCtx);
        const { context, inputs: initialInputs } = await model.getArguments();
        const hookData: Record<string, unknown> = {};
        const pre: Record<string, unknown> = {
            hookData,
            appHookData: env.appHookData,
            invocationContext: context,
            functionCallback: fn.callback,
            inputs: initialInputs,
        };
        coreCtx.state = 'preInvocationHooks';
        await runHooks(env.hooks, 'preInvocation', pre);
        coreCtx.state = 'invocation';
        const callback = pre.functionCallback as RegisteredFunction['callback'];
        const inputs = pre.inputs as unknown[];
        let result: unknown;
        let error: unknown;
        try {
            result = await model.invokeFunction(context, inputs, callback);
        } catch (err) {
            error = err;
        }
        // A worker that was killed runs nothing after the function.
        signal.throwIfAborted();
        const post: Record<string, unknown> = { hookData, appHookData: env.appHookData, invocationContext: context, inputs, result, error };
        coreCtx.state = 'postInvocationHooks';
        await runHooks(env.hooks, 'postInvocation', post);
        coreCtx.state = undefined;
        if (post.error !== undefined && post.error !== null) throw post.error;
        return model.getResponse(context, post.result);
    };
    try {
        const response = await untilAborted(run(), signal);
        env.log({ level: 'information', category: 'host', functionName, invocationId, message: `Executed 'Functions.${functionName}' (Succeeded, Id=${invocationId}, Duration=${Date.now() - started}ms)` });
        return response;
    } catch (err) {
        const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
        env.log({ level: 'error', category: 'host', functionName, invocationId, message: `Executed 'Functions.${functionName}' (Failed, Id=${invocationId}, Duration=${Date.now() - started}ms)\n${message}` });
        throw new InvocationFailedError(functionName, invocationId, err);
    }
}
