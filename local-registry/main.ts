import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalRegistry } from './localRegistry';

/**
 * `node dist/local-registry/main.js [options]`: the local registry on its own (see README.md).
 * Prints the endpoints and the app settings that point acr-guard at it; writes the TLS
 * certificate to <data dir>/tls/cert.pem for clients that must trust the HTTPS listener.
 */
const USAGE = `Usage: node dist/local-registry/main.js [options]
  --port N             plain-HTTP port for docker/skopeo/oras pushes (default 5000)
  --https-port N       HTTPS port for the app's Azure SDK clients (ARM and data plane; default 5443)
  --webhook-url URL    Event Grid subscriber to deliver ImagePushed/ImageDeleted to
                       (e.g. http://localhost:7071/runtime/webhooks/eventgrid?functionName=registryEventIntake)
  --data-dir DIR       where images, tags and the TLS certificate are kept (default ./.local-registry)
  --azurite CONN       Azurite connection string for task run logs (default: Azurite on 127.0.0.1:10000-10002)
  --login-server HOST  the name the registry answers as (default localhost:<port>)
  --registry-name NAME the ARM registry name (default acrguardlocal)
  --role-assignment-mode MODE  AbacRepositoryPermissions (default: task runs need the caller identity)
                       or LegacyRegistryPermissions`;

const DEV_ACCOUNT = 'devstoreaccount1';
// The public, documented Azurite development account key (not a secret).
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const AZURITE = `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};BlobEndpoint=http://127.0.0.1:10000/${DEV_ACCOUNT};QueueEndpoint=http://127.0.0.1:10001/${DEV_ACCOUNT};TableEndpoint=http://127.0.0.1:10002/${DEV_ACCOUNT};`;

function port(value: string | undefined, fallback: number, name: string): number {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--${name} must be a port number, got ${JSON.stringify(value)}`);
    return n;
}

/** A port free right now (for `--port 0`: the login server must name the port before the registry starts). */
function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const probe = createServer();
        probe.once('error', reject);
        probe.listen(0, '127.0.0.1', () => {
            const { port } = probe.address() as { port: number };
            probe.close(() => resolve(port));
        });
    });
}

async function main(): Promise<void> {
    const { values } = parseArgs({
        options: {
            port: { type: 'string' },
            'https-port': { type: 'string' },
            'webhook-url': { type: 'string' },
            'data-dir': { type: 'string' },
            azurite: { type: 'string' },
            'login-server': { type: 'string' },
            'registry-name': { type: 'string' },
            'role-assignment-mode': { type: 'string' },
            help: { type: 'boolean' },
        },
    });
    if (values.help) {
        console.log(USAGE);
        return;
    }
    const requestedPort = port(values.port, 5000, 'port');
    const httpPort = requestedPort === 0 ? await freePort() : requestedPort;
    const dataDir = resolve(values['data-dir'] ?? '.local-registry');
    mkdirSync(dataDir, { recursive: true });
    if (values['webhook-url'] !== undefined) new URL(values['webhook-url']);
    const mode = values['role-assignment-mode'] ?? 'AbacRepositoryPermissions';
    if (mode !== 'AbacRepositoryPermissions' && mode !== 'LegacyRegistryPermissions') {
        throw new Error(`--role-assignment-mode must be AbacRepositoryPermissions or LegacyRegistryPermissions, got ${JSON.stringify(mode)}`);
    }
    const registry = await startLocalRegistry({
        azuriteConnectionString: values.azurite ?? AZURITE,
        httpPort,
        httpsPort: port(values['https-port'], 5443, 'https-port'),
        dataDir,
        loginServer: values['login-server'] ?? `localhost:${httpPort}`,
        ...(values['registry-name'] ? { registryName: values['registry-name'] } : {}),
        ...(values['webhook-url'] ? { webhookUrl: values['webhook-url'] } : {}),
        roleAssignmentMode: mode,
        log: (line) => console.error(line),
    });
    const caFile = join(dataDir, 'tls', 'cert.pem');
    writeFileSync(caFile, registry.ca);
    console.log(`local registry: push to ${registry.pushAddress} (plain HTTP), e.g. skopeo copy --dest-tls-verify=false oci:./image docker://${registry.pushAddress}/quarantine/app:1.0`);
    console.log(`local registry: ARM and data plane on ${registry.url} (TLS certificate: ${caFile})`);
    console.log(`local registry: events ${values['webhook-url'] ? `to ${values['webhook-url']}` : 'not delivered (no --webhook-url)'}; data in ${dataDir}`);
    console.log('App settings that point acr-guard at it:');
    console.log(`  ACR_GUARD_REGISTRY_LOGIN_SERVER=${registry.loginServer}`);
    console.log(`  ACR_GUARD_REGISTRY_RESOURCE_ID=${registry.registryResourceId}`);
    console.log(`  ACR_GUARD_REGISTRY_ENDPOINT=${registry.registryEndpoint}`);
    console.log(`  ACR_GUARD_ARM_ENDPOINT=${registry.armEndpoint}`);
    console.log(`  ACR_GUARD_REGISTRY_ROLE_ASSIGNMENT_MODE=${mode}`);
    const stop = () => void registry.close().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
    console.error(`local registry: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
});
