import type { IncomingHttpHeaders } from 'node:http';

/** One request as the route handlers see it (body read whole: manifests and chunks are bounded by memory). */
export interface RegistryRequest {
    readonly method: string;
    /** The decoded path. */
    readonly path: string;
    readonly query: URLSearchParams;
    readonly headers: IncomingHttpHeaders;
    readonly body: Buffer;
    /** `https://127.0.0.1:PORT` or `http://localhost:PORT`, as the client addressed this listener. */
    readonly origin: string;
    /** Which listener: the HTTPS one demands ACR's tokens, the plain-HTTP one (localhost only) does not. */
    readonly secure: boolean;
    readonly requestId: string;
    readonly remoteAddress?: string;
}

export interface Answer {
    status: number;
    body?: unknown;
    raw?: string | Buffer;
    contentType?: string;
    headers?: Record<string, string>;
}

/** An error answer with a ready body (ARM's `{error:{code,message}}` or the data plane's `{errors:[…]}`). */
export class HttpError extends Error {
    constructor(readonly status: number, readonly body: unknown, readonly headers: Record<string, string> = {}) {
        super(`HTTP ${status}`);
    }
}

export const armError = (code: string, message: string) => ({ error: { code, message } });

export { acrErrors } from './dataPlaneAuth';

export function parseJson(body: string): unknown {
    try {
        return body === '' ? undefined : JSON.parse(body);
    } catch {
        throw new HttpError(400, armError('InvalidRequestContent', 'The request content was invalid and could not be deserialized.'));
    }
}

/** `n`/`last` paging over a sorted list, as ACR's _catalog and _tags and the spec's tags/list do. */
export function pageOf<T>(items: readonly T[], key: (item: T) => string, query: URLSearchParams, defaultN = 100): { items: T[]; next?: { last: string; n: number } } {
    const requested = query.get('n');
    const n = requested === '0' ? 0 : Math.max(1, Math.min(Number.parseInt(requested ?? String(defaultN), 10) || defaultN, 1000));
    const last = query.get('last');
    const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    const start = last ? sorted.findIndex((i) => key(i) > last) : 0;
    const from = start < 0 ? sorted.length : start;
    const page = sorted.slice(from, from + n);
    const more = from + n < sorted.length;
    return { items: page, ...(more && page.length > 0 ? { next: { last: key(page[page.length - 1]!), n } } : {}) };
}

/** The next page is a relative link on the same host, with no api-version (as recorded). */
export function withLink(answer: Answer, next: { last: string; n: number } | undefined, link: (last: string, n: number) => string): Answer {
    if (!next) return answer;
    return { ...answer, headers: { ...answer.headers, Link: `<${link(next.last, next.n)}>; rel="next"` } };
}
