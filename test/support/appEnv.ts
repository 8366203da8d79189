import type { AcrServer } from '../acr-server/acrServer';

/** The registry settings: a running ACR test server, or just a login server and resource id (nothing is called). */
export type AppEnvRegistry = Pick<AcrServer, 'loginServer' | 'registryResourceId'> & Partial<Pick<AcrServer, 'armEndpoint' | 'registryEndpoint'>>;

/**
 * The environment of the app in the local host for end-to-end tests: the Node worker, host and
 * app storage on `azurite`, the registry settings pointed at `acr` (when given), then `extra`.
 */
export function appEnv(options: {
    readonly azurite: { readonly connectionString: string };
    readonly acr?: AppEnvRegistry;
    readonly extra?: Record<string, string>;
}): Record<string, string> {
    const { azurite, acr, extra } = options;
    return {
        FUNCTIONS_WORKER_RUNTIME: 'node',
        AzureWebJobsStorage: azurite.connectionString,
        ACR_GUARD_STORAGE: azurite.connectionString,
        ...(acr && {
            ACR_GUARD_REGISTRY_LOGIN_SERVER: acr.loginServer,
            ACR_GUARD_REGISTRY_RESOURCE_ID: acr.registryResourceId,
            ...(acr.armEndpoint !== undefined && { ACR_GUARD_ARM_ENDPOINT: acr.armEndpoint }),
            ...(acr.registryEndpoint !== undefined && { ACR_GUARD_REGISTRY_ENDPOINT: acr.registryEndpoint }),
        }),
        ...extra,
    };
}
