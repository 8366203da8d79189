import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { azuriteConnectionString, canConnect, startAzurite, type AzuriteInstance } from './azurite';
import { embeddedDefaults } from './defaults';
import { repoRoot } from './env';
import { readHostJson } from './hostJson';
import { startLocalHost, type LocalHost } from './index';
import { readLocalSettings } from './localSettings';
import { consoleSink } from './logs';
import { provisionStorage } from '../shared/storage/provisionStorage';
import { StorageClients } from '../shared/storage/storageClients';
import { STORAGE_CONNECTION } from '../shared/config/storageConnection';

/**
 * `npm start`: Azurite on its usual ports (data in ./.azurite) plus either Core Tools
 * (`func start`, when on the PATH) or this project's local host running dist/functions.
 */
const AZURITE_PORTS = { blobPort: 10000, queuePort: 10001, tablePort: 10002 };
const HOST_PORT = 7071;

function onPath(command: string): boolean {
    for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
        if (!dir) continue;
        try {
            fs.accessSync(path.join(dir, command), fs.constants.X_OK);
            return true;
        } catch {
            // not here
        }
    }
    return false;
}

/** Starts Azurite unless one already answers on the usual ports (then it is reused and left running). */
async function ensureAzurite(root: string): Promise<{ connectionString: string; instance?: AzuriteInstance }> {
    const up = await Promise.all(Object.values(AZURITE_PORTS).map(canConnect));
    if (up.every(Boolean)) {
        console.log('Azurite is already running on ports 10000-10002; using it.');
        return { connectionString: azuriteConnectionString(AZURITE_PORTS) };
    }
    const instance = await startAzurite({ ...AZURITE_PORTS, location: path.join(root, '.azurite') });
    console.log('Azurite started on ports 10000 (blob), 10001 (queue), 10002 (table); data in ./.azurite');
    return { connectionString: instance.connectionString, instance };
}

function describeFunctions(host: LocalHost, root: string): string[] {
    const prefix = readHostJson(path.join(root, 'host.json')).routePrefix;
    const base = host.baseUrl.replace('127.0.0.1', 'localhost');
    return host.functions.map((f) => {
        const t = f.trigger;
        switch (f.triggerType) {
            case 'httpTrigger': {
                const key = t.authLevel && t.authLevel !== 'anonymous' ? ' (key required)' : '';
                return `  ${f.name}: [${(t.methods ?? ['ANY']).join(',')}] ${base}/${prefix ? `${prefix}/` : ''}${t.route ?? f.name}${key}`;
            }
            case 'eventGridTrigger':
                return `  ${f.name}: eventGridTrigger ${base}/runtime/webhooks/eventgrid?functionName=${f.name}`;
            case 'queueTrigger':
                return `  ${f.name}: queueTrigger on '${t.queueName}' (connection ${t.connection})`;
            case 'timerTrigger':
                return `  ${f.name}: timerTrigger '${t.schedule}'${t.runOnStartup ? ' (runOnStartup)' : ''}`;
        }
    });
}

async function runCoreTools(root: string): Promise<void> {
    const azurite = await ensureAzurite(root);
    console.log('Azure Functions Core Tools found: running `func start`. It reads local.settings.json; point your storage');
    console.log(`settings at Azurite (e.g. "UseDevelopmentStorage=true"): ${azurite.connectionString}`);
    const child = spawn('func', ['start'], { cwd: root, stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 0)));
    await azurite.instance?.stop();
    process.exit(code);
}

async function runLocalHost(root: string): Promise<void> {
    const azurite = await ensureAzurite(root);
    const fromFile = readLocalSettings(root);
    const env = fromFile ?? embeddedDefaults(azurite.connectionString);
    console.log(fromFile ? 'Settings: local.settings.json Values' : 'Settings: embedded defaults (local-host/defaults.ts); create local.settings.json to override');
    const storage = env[STORAGE_CONNECTION];
    if (storage && !storage.includes('__')) {
        const made = await provisionStorage(new StorageClients({ kind: 'connectionString', name: STORAGE_CONNECTION, connectionString: storage }));
        console.log(`Storage: ${made.queues.length} queues and ${made.tables.length} tables ready (as infra/ creates them in Azure)`);
    }
    let host: LocalHost;
    try {
        host = await startLocalHost({ functionsDir: path.join(root, 'dist', 'functions'), env, port: HOST_PORT, log: consoleSink });
    } catch (err) {
        await azurite.instance?.stop();
        throw err;
    }
    console.log(`\nacr-guard local host on ${host.baseUrl.replace('127.0.0.1', 'localhost')}\nFunctions:`);
    for (const line of describeFunctions(host, root)) console.log(line);
    if (host.functions.some((f) => f.triggerType === 'httpTrigger' && f.trigger.authLevel !== 'anonymous')) {
        console.log(`Function key (this run): ${host.functionKey}`);
    }
    console.log('\nPress Ctrl+C to stop.');
    let stopping = false;
    const shutdown = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        console.log(`\n${signal}: stopping…`);
        let code = 0;
        try {
            await host.stop();
        } catch (err) {
            console.error(`Stopping the host failed: ${(err as Error).message}`);
            code = 1;
        }
        await azurite.instance?.stop();
        process.exit(code);
    };
    process.on('SIGINT', () => void shutdown('SIGINT'));
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

async function main(): Promise<void> {
    const root = repoRoot();
    if (onPath('func')) await runCoreTools(root);
    else await runLocalHost(root);
}

main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
});
