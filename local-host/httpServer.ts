import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventGridWebhook } from './eventGridWebhook';
import { sendJson, sendText } from './httpUtil';
import type { HttpTriggers } from './httpTrigger';
import type { HostLogger } from './logs';

export interface HostHttpServer {
    readonly port: number;
    close(): Promise<void>;
}

interface Routes {
    readonly routePrefix: string;
    readonly http: HttpTriggers;
    readonly eventGrid: EventGridWebhook;
    readonly log: HostLogger;
}

async function dispatch(routes: Routes, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    const path = url.pathname;
    if (/^\/runtime\/webhooks\/eventgrid\/?$/i.test(path)) {
        await routes.eventGrid.handle(req, res, url);
        return;
    }
    if (/^\/admin\/host\/status\/?$/i.test(path)) {
        sendJson(res, 200, { state: 'Running' });
        return;
    }
    const prefix = routes.routePrefix ? `/${routes.routePrefix}` : '';
    if (path.toLowerCase() === prefix.toLowerCase() || path.toLowerCase().startsWith(`${prefix.toLowerCase()}/`)) {
        if (await routes.http.handle(req, res, url, path.slice(prefix.length))) return;
    } else if (path === '/') {
        sendText(res, 200, 'The acr-guard local Functions host is running.');
        return;
    }
    sendText(res, 404, 'Not Found');
}

function listen(server: Server, port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
            server.off('error', reject);
            resolve((server.address() as AddressInfo).port);
        });
    });
}

/**
 * The host's HTTP front door on loopback only: 127.0.0.1 and, when the machine has it, ::1 on
 * the same port (so `localhost` works whichever address it resolves to first).
 */
export async function startHttpServer(routes: Routes, port: number): Promise<HostHttpServer> {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
        dispatch(routes, req, res).catch((err: unknown) => {
            routes.log({ level: 'error', category: 'host', message: `Request ${req.method} ${req.url} failed: ${(err as Error).stack ?? String(err)}` });
            if (!res.headersSent) sendText(res, 500, 'Internal Server Error');
            else res.end();
        });
    };
    const servers = [createServer(handler)];
    const bound = await listen(servers[0]!, port, '127.0.0.1');
    const v6 = createServer(handler);
    try {
        await listen(v6, bound, '::1');
        servers.push(v6);
    } catch {
        // No IPv6 loopback here: 127.0.0.1 alone is fine.
    }
    return {
        port: bound,
        async close() {
            await Promise.all(
                servers.map(
                    (s) =>
                        new Promise<void>((resolve) => {
                            s.close(() => resolve());
                            s.closeAllConnections();
                        }),
                ),
            );
        },
    };
}
