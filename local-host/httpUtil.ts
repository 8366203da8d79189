import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const MAX_BODY_BYTES = 100 * 1024 * 1024; // the Functions host's default request size limit

export async function readBody(req: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
        const buf = chunk as Buffer;
        size += buf.length;
        if (size > MAX_BODY_BYTES) throw new Error('request body too large');
        chunks.push(buf);
    }
    return Buffer.concat(chunks);
}

export function send(res: ServerResponse, status: number, body?: string | Buffer, headers: Record<string, string | string[]> = {}): void {
    if (res.headersSent) return;
    res.writeHead(status, headers);
    res.end(body ?? '');
}

export function sendText(res: ServerResponse, status: number, text: string): void {
    send(res, status, text, { 'Content-Type': 'text/plain; charset=utf-8' });
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
    send(res, status, JSON.stringify(value), { 'Content-Type': 'application/json; charset=utf-8' });
}

/** A header's first value (node lower-cases names). */
export function header(req: IncomingMessage, name: string): string | undefined {
    const value = req.headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
}

/** The key a caller presented, as the Functions host reads it: `code` query parameter or `x-functions-key` header. */
export function presentedKey(req: IncomingMessage, url: URL): string | undefined {
    return url.searchParams.get('code') ?? header(req, 'x-functions-key') ?? undefined;
}

export function keyMatches(presented: string | undefined, expected: string): boolean {
    if (presented === undefined) return false;
    const a = Buffer.from(presented);
    const b = Buffer.from(expected);
    return a.length === b.length && timingSafeEqual(a, b);
}
