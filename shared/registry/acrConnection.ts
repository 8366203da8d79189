import type { TokenCredential } from '@azure/core-auth';
import { ContainerRegistryManagementClient } from '@azure/arm-containerregistry';
import { ContainerRegistryClient, ContainerRegistryContentClient } from '@azure/container-registry';
import type { AzureClientOptions } from '../azure/azureAccess';
import { parseRegistryResourceId, type RegistryResourceId } from './armResourceId';

/** Pipeline options shared by both ACR SDK clients: the app's (shared/app/azureAccess.ts). */
export type AcrClientOptions = AzureClientOptions;

export interface AcrConnectionSettings {
    /** Managed identity in production (@azure/identity); a fake at the network boundary in tests. */
    readonly credential: TokenCredential;
    /** ARM id of the guarded registry: imports and task runs address it. */
    readonly registryResourceId: string;
    /** https://management.azure.com (or a sovereign cloud's). */
    readonly armEndpoint: string;
    /** https://<login server>: the data plane. */
    readonly registryEndpoint: string;
    /** e.g. contoso.azurecr.io: what image references (and Trivy) use. */
    readonly loginServer: string;
    /** AAD audience of the data plane; `https://containerregistry.azure.net` unless a sovereign cloud. */
    readonly registryAudience?: string;
    readonly clientOptions?: AcrClientOptions;
}

/** The SDK clients for one registry, built once and shared by the registry, task-runner and scanner adapters. */
export class AcrConnection {
    readonly registry: RegistryResourceId;
    readonly arm: ContainerRegistryManagementClient;
    readonly dataPlane: ContainerRegistryClient;
    readonly loginServer: string;
    private readonly contentClients = new Map<string, ContainerRegistryContentClient>();

    constructor(private readonly settings: AcrConnectionSettings) {
        this.registry = parseRegistryResourceId(settings.registryResourceId);
        this.loginServer = settings.loginServer;
        const armEndpoint = settings.armEndpoint.replace(/\/+$/, '');
        this.arm = new ContainerRegistryManagementClient(settings.credential, this.registry.subscriptionId, {
            ...settings.clientOptions,
            endpoint: armEndpoint,
            $host: armEndpoint,
            // ARM tokens are for the endpoint's own audience (management.azure.com or a sovereign cloud's).
            credentialScopes: `${armEndpoint}/.default`,
        });
        this.dataPlane = new ContainerRegistryClient(settings.registryEndpoint, settings.credential, {
            ...settings.clientOptions,
            audience: settings.registryAudience ?? 'https://containerregistry.azure.net',
        });
    }

    /** The content client (/v2 manifests and blobs) of one repository, kept so its ACR token is reused. */
    content(repository: string): ContainerRegistryContentClient {
        let client = this.contentClients.get(repository);
        if (!client) {
            if (this.contentClients.size >= 256) this.contentClients.clear();
            client = new ContainerRegistryContentClient(this.settings.registryEndpoint, repository, this.settings.credential, {
                ...this.settings.clientOptions,
                audience: this.settings.registryAudience ?? 'https://containerregistry.azure.net',
            });
            this.contentClients.set(repository, client);
        }
        return client;
    }
}

