import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP(S) server standing in for a network boundary (a Slack/Teams webhook, an Event
 * Grid topic): it records every request and answers from a script, then with `fallback`.
 */
export interface RecordedRequest {
    readonly method: string;
    /** Path and query. */
    readonly url: string;
    readonly headers: IncomingMessage['headers'];
    readonly body: string;
}

export interface ScriptedResponse {
    readonly status: number;
    readonly headers?: Record<string, string>;
    readonly body?: string;
}

export interface RecordingServer {
    /** Origin, e.g. http://127.0.0.1:PORT */
    readonly origin: string;
    readonly requests: RecordedRequest[];
    /** Answers the next requests with these, in order. */
    script(...responses: ScriptedResponse[]): void;
    /** Answer once the script is used up (default 200). */
    fallback: ScriptedResponse;
    close(): Promise<void>;
}

export async function startRecordingServer(tls?: { key: string; cert: string }): Promise<RecordingServer> {
    const requests: RecordedRequest[] = [];
    const queue: ScriptedResponse[] = [];
    const handler = (req: IncomingMessage, res: ServerResponse) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
            requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
            const answer = queue.shift() ?? state.fallback;
            res.writeHead(answer.status, answer.headers ?? {});
            res.end(answer.body ?? '');
        });
    };
    const server: Server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const state: RecordingServer = {
        origin: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
        requests,
        script: (...responses) => queue.push(...responses),
        fallback: { status: 200 },
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
    return state;
}
