import path from 'node:path';
// The local host must be imported before anything that registers functions.
import { startLocalHost, type LocalHost, type LocalHostOptions } from '../../local-host';
import { overrideComposition, type CompositionOverrides } from '../../functions/services';
import { provisionAzurite } from './provisionAzurite';

export const FUNCTIONS_DIR = path.resolve(__dirname, '../../functions');

/**
 * The app's real registrations in the local host, as `npm start` runs them: the app's queues and
 * tables provisioned on `azurite` first, then the host on a free port with timers off (tests run
 * them with `runTimer`). `composition` changes only what crosses the network boundary (the Azure
 * access for the local HTTPS stand-ins), host.json, or adds verdict observers that record;
 * stopping the host restores production composition.
 */
export async function startAppHost(options: {
    readonly azurite: { readonly connectionString: string };
    readonly env: Record<string, string>;
    readonly composition?: CompositionOverrides;
    readonly host?: Partial<Omit<LocalHostOptions, 'functionsDir' | 'env'>>;
}): Promise<LocalHost> {
    await provisionAzurite(options.azurite.connectionString);
    overrideComposition(options.composition);
    try {
        const host = await startLocalHost({ functionsDir: FUNCTIONS_DIR, port: 0, runSchedules: false, ...options.host, env: options.env });
        return {
            ...host,
            stop: async () => {
                try {
                    await host.stop();
                } finally {
                    overrideComposition(undefined);
                }
            },
        };
    } catch (err) {
        overrideComposition(undefined);
        throw err;
    }
}
