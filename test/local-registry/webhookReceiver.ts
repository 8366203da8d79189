import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
    readonly headers: IncomingHttpHeaders;
    readonly body: unknown;
}

/** A subscriber webhook on 127.0.0.1 that records each POST; it answers `failStatus` to the first `failFirst` attempts. */
export async function startWebhookReceiver(failFirst = 0, failStatus = 500): Promise<{ url: string; received: Received[]; attempts: () => number; close: () => Promise<void> }> {
    const received: Received[] = [];
    let attempts = 0;
    const server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
            attempts += 1;
            if (attempts <= failFirst) {
                res.writeHead(failStatus).end('not now');
                return;
            }
            received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
            res.writeHead(200).end();
        });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/runtime/webhooks/eventgrid?functionName=registryEventIntake`,
        received,
        attempts: () => attempts,
        close: () => new Promise((resolve) => server.close(() => resolve())),
    };
}
