import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection, createServer } from 'node:net';

/** A running Azurite (blob, queue and table) and the connection string that reaches it. */
export interface AzuriteInstance {
    readonly blobPort: number;
    readonly queuePort: number;
    readonly tablePort: number;
    /** A full connection string for the well-known Azurite development account. */
    readonly connectionString: string;
    stop(): Promise<void>;
}

export interface AzuriteOptions {
    /** Fixed ports (npm start uses Azurite's usual 10000-10002); omitted ports are picked free. */
    blobPort?: number;
    queuePort?: number;
    tablePort?: number;
    /** Keep data on disk in this folder instead of in memory. */
    location?: string;
}

// The public, documented Azurite development account key (not a secret).
const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export function azuriteConnectionString(ports: { blobPort: number; queuePort: number; tablePort: number }): string {
    return [
        'DefaultEndpointsProtocol=http',
        `AccountName=${DEV_ACCOUNT}`,
        `AccountKey=${DEV_KEY}`,
        `BlobEndpoint=http://127.0.0.1:${ports.blobPort}/${DEV_ACCOUNT}`,
        `QueueEndpoint=http://127.0.0.1:${ports.queuePort}/${DEV_ACCOUNT}`,
        `TableEndpoint=http://127.0.0.1:${ports.tablePort}/${DEV_ACCOUNT}`,
    ].join(';') + ';';
}

export async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = createServer();
        server.unref();
        server.on('error', reject);
        server.listen(0, '127.0.0.1', () => {
            const address = server.address();
            const port = typeof address === 'object' && address ? address.port : 0;
            server.close(() => resolve(port));
        });
    });
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function canConnect(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = createConnection({ host: '127.0.0.1', port }, () => {
            socket.end();
            resolve(true);
        });
        socket.on('error', () => resolve(false));
    });
}

async function waitForPorts(ports: number[], child: ChildProcess, deadlineMs: number): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
        if (child.exitCode !== null) throw new Error(`Azurite exited with code ${child.exitCode} before it was ready`);
        const ready = await Promise.all(ports.map(canConnect));
        if (ready.every(Boolean)) return;
        if (Date.now() > deadline) throw new Error(`Azurite did not open ports ${ports.join(', ')} within ${deadlineMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
    }
}

/**
 * Starts the real Azurite from node_modules as a child process. Tests and `npm start` call this
 * themselves, so nobody has to start the emulator by hand.
 */
export async function startAzurite(options: AzuriteOptions = {}): Promise<AzuriteInstance> {
    const blobPort = options.blobPort ?? (await freePort());
    const queuePort = options.queuePort ?? (await freePort());
    const tablePort = options.tablePort ?? (await freePort());
    const script = require.resolve('azurite/dist/src/azurite.js');
    const args = [
        script,
        '--silent',
        '--loose',
        // The Azure SDKs in package.json may speak a newer storage API version than this Azurite knows.
        '--skipApiVersionCheck',
        '--disableProductStyleUrl',
        // Azurite collects telemetry by default and probes the Azure metadata endpoint for it;
        // a local emulator has no business talking to anything but its clients.
        '--disableTelemetry',
        '--blobHost', '127.0.0.1', '--blobPort', String(blobPort),
        '--queueHost', '127.0.0.1', '--queuePort', String(queuePort),
        '--tableHost', '127.0.0.1', '--tablePort', String(tablePort),
    ];
    // In memory unless a folder was asked for: tests must not leave state behind.
    args.push(...(options.location ? ['--location', options.location] : ['--inMemoryPersistence']));
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString()).slice(-4000);
    });
    try {
        await waitForPorts([blobPort, queuePort, tablePort], child, 30_000);
    } catch (err) {
        child.kill('SIGKILL');
        throw new Error(`${(err as Error).message}\n${stderr}`);
    }
    const ports = { blobPort, queuePort, tablePort };
    return {
        ...ports,
        connectionString: azuriteConnectionString(ports),
        async stop() {
            if (child.exitCode === null) {
                const exited = new Promise((r) => child.once('exit', r));
                child.kill('SIGTERM');
                await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
                if (child.exitCode === null) child.kill('SIGKILL');
            }
        },
    };
}
