/**
 * The slice of the `@azure/functions-core` contract (the module the Functions Node worker
 * provides to `@azure/functions`) that the local host implements. Shapes follow the worker's
 * `types-core/index.d.ts`; only what the library actually touches is typed here.
 */

export type RpcLogLevel = 'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical' | 'none';
export type RpcLogCategory = 'user' | 'system' | 'customMetric';

export interface RpcHttpData {
    method?: string | null;
    url?: string | null;
    headers?: Record<string, string> | null;
    body?: RpcTypedData | null;
    params?: Record<string, string> | null;
    statusCode?: string | null;
    query?: Record<string, string> | null;
    cookies?: RpcHttpCookie[] | null;
}

export interface RpcNullable<T> {
    value?: T | null;
}

export interface RpcHttpCookie {
    name?: string | null;
    value?: string | null;
    domain?: RpcNullable<string> | null;
    path?: RpcNullable<string> | null;
    expires?: RpcNullable<{ seconds?: number | null; nanos?: number | null }> | null;
    secure?: RpcNullable<boolean> | null;
    httpOnly?: RpcNullable<boolean> | null;
    sameSite?: 'none' | 'lax' | 'strict' | 'explicitNone' | null;
    maxAge?: RpcNullable<number> | null;
}

export interface RpcTypedData {
    string?: string | null;
    json?: string | null;
    bytes?: Uint8Array | null;
    http?: RpcHttpData | null;
    int?: number | null;
    double?: number | null;
}

export interface RpcParameterBinding {
    name?: string | null;
    data?: RpcTypedData | null;
}

export interface RpcInvocationRequest {
    invocationId?: string | null;
    functionId?: string | null;
    inputData?: RpcParameterBinding[] | null;
    triggerMetadata?: Record<string, RpcTypedData> | null;
}

export interface RpcInvocationResponse {
    invocationId?: string | null;
    outputData?: RpcParameterBinding[] | null;
    returnValue?: RpcTypedData | null;
}

export interface RpcBindingInfo {
    type?: string | null;
    direction?: 'in' | 'out' | 'inout' | null;
    [key: string]: unknown;
}

/** What `registerFunction` receives: `{ name, bindings, retryOptions? }`. */
export interface FunctionMetadata {
    name: string;
    bindings: Record<string, RpcBindingInfo>;
    retryOptions?: unknown;
}

export type FunctionCallback = (...args: unknown[]) => unknown;
export type HookCallback = (context: Record<string, unknown>) => unknown;

export interface CoreInvocationContext {
    invocationId: string;
    request: RpcInvocationRequest;
    metadata: FunctionMetadata;
    state?: 'preInvocationHooks' | 'postInvocationHooks' | 'invocation';
    log(level: RpcLogLevel, category: RpcLogCategory, message: string): void;
}

export interface InvocationArguments {
    context: unknown;
    inputs: unknown[];
}

export interface InvocationModel {
    getArguments(): Promise<InvocationArguments>;
    invokeFunction(context: unknown, inputs: unknown[], callback: FunctionCallback): Promise<unknown>;
    getResponse(context: unknown, result: unknown): Promise<RpcInvocationResponse>;
}

export interface ProgrammingModel {
    name: string;
    version: string;
    getInvocationModel(coreContext: CoreInvocationContext): InvocationModel;
    getCapabilities?(capabilities: Record<string, string>): Promise<Record<string, string>>;
}

export interface Disposable {
    dispose(): void;
}
