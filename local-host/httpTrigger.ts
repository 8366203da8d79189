import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RpcHttpCookie, RpcHttpData, RpcInvocationResponse, RpcTypedData } from './coreTypes';
import { compileRoute, matchRoute, type CompiledRoute } from './httpRoutes';
import { keyMatches, presentedKey, readBody, send } from './httpUtil';
import type { HostLogger } from './logs';
import type { RegisteredFunction } from './registry';
import type { FunctionRunner } from './runtime';

interface HttpFunction {
    readonly fn: RegisteredFunction;
    readonly route: CompiledRoute;
    readonly methods?: readonly string[];
    readonly authLevel: string;
}

export interface HttpTriggerOptions {
    readonly functionKey: string;
    readonly log: HostLogger;
}

function toHttpFunction(fn: RegisteredFunction): HttpFunction {
    const methods = fn.trigger.methods?.map((m) => m.toUpperCase());
    return {
        fn,
        route: compileRoute(fn.trigger.route ?? fn.name),
        methods: methods && methods.length > 0 ? methods : undefined,
        authLevel: String(fn.trigger.authLevel ?? 'anonymous').toLowerCase(),
    };
}

function flatten(headers: IncomingMessage['headers']): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
        if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    return out;
}

function setCookie(c: RpcHttpCookie): string {
    const parts = [`${c.name ?? ''}=${c.value ?? ''}`];
    if (c.domain?.value) parts.push(`Domain=${c.domain.value}`);
    if (c.path?.value) parts.push(`Path=${c.path.value}`);
    if (c.expires?.value?.seconds !== undefined && c.expires.value.seconds !== null) {
        parts.push(`Expires=${new Date(Number(c.expires.value.seconds) * 1000).toUTCString()}`);
    }
    if (c.maxAge?.value !== undefined && c.maxAge.value !== null) parts.push(`Max-Age=${c.maxAge.value}`);
    if (c.secure?.value) parts.push('Secure');
    if (c.httpOnly?.value) parts.push('HttpOnly');
    if (c.sameSite === 'lax') parts.push('SameSite=Lax');
    else if (c.sameSite === 'strict') parts.push('SameSite=Strict');
    else if (c.sameSite === 'explicitNone') parts.push('SameSite=None');
    return parts.join('; ');
}

function bodyBytes(body: RpcTypedData | null | undefined): Buffer {
    if (!body) return Buffer.alloc(0);
    if (body.bytes) return Buffer.from(body.bytes);
    if (typeof body.string === 'string') return Buffer.from(body.string);
    if (typeof body.json === 'string') return Buffer.from(body.json);
    return Buffer.alloc(0);
}

function httpResult(fn: RegisteredFunction, response: RpcInvocationResponse): RpcHttpData | undefined {
    if (fn.bindings.$return?.type === 'http') return response.returnValue?.http ?? undefined;
    for (const item of response.outputData ?? []) {
        if (item.name && fn.bindings[item.name]?.type === 'http') return item.data?.http ?? undefined;
    }
    return undefined;
}

/** HTTP-triggered functions under the route prefix: routing, methods, auth levels, request and response conversion. */
export class HttpTriggers {
    readonly #functions: HttpFunction[];

    constructor(
        functions: readonly RegisteredFunction[],
        private readonly runner: FunctionRunner,
        private readonly options: HttpTriggerOptions,
    ) {
        this.#functions = functions.filter((f) => f.triggerType === 'httpTrigger').map(toHttpFunction);
        this.#functions.sort((a, b) => b.route.specificity - a.route.specificity);
    }

    /** Handles `path` (below the route prefix); false when no function's route matches it. */
    async handle(req: IncomingMessage, res: ServerResponse, url: URL, path: string): Promise<boolean> {
        const method = (req.method ?? 'GET').toUpperCase();
        let match: { f: HttpFunction; params: Record<string, string> } | undefined;
        for (const f of this.#functions) {
            const params = matchRoute(f.route, path);
            if (params && (!f.methods || f.methods.includes(method))) {
                match = { f, params };
                break;
            }
        }
        if (!match) return false;
        const { f, params } = match;
        if (f.authLevel !== 'anonymous' && !keyMatches(presentedKey(req, url), this.options.functionKey)) {
            send(res, 401);
            return true;
        }
        const body = await readBody(req);
        const query: Record<string, string> = {};
        for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
        const http: RpcHttpData = { method, url: url.toString(), headers: flatten(req.headers), query, params, body: { bytes: body } };
        const triggerMetadata: Record<string, RpcTypedData> = {};
        for (const [k, v] of Object.entries(params)) triggerMetadata[k] = { string: v };
        let response: RpcInvocationResponse;
        try {
            response = await this.runner.run(f.fn, { triggerData: { http }, triggerMetadata, reason: `This function was programmatically called via the host APIs.` });
        } catch {
            send(res, 500);
            return true;
        }
        const result = httpResult(f.fn, response);
        if (!result) {
            send(res, 204);
            return true;
        }
        const headers: Record<string, string | string[]> = { ...(result.headers ?? {}) };
        const cookies = (result.cookies ?? []).map(setCookie);
        if (cookies.length > 0) headers['Set-Cookie'] = cookies;
        send(res, Number(result.statusCode ?? 200) || 200, bodyBytes(result.body), headers);
        return true;
    }
}
