import { STORAGE_CONNECTION } from '../shared/config/storageConnection';

/**
 * The app settings `npm start` uses when there is no local.settings.json: everything points at
 * the Azurite it starts, and registry settings are local placeholders (nothing is contacted at
 * start-up). Extend this list when a feature adds a required setting, so a fresh clone still
 * starts with `npm start` alone.
 */
export function embeddedDefaults(azuriteConnectionString: string): Record<string, string> {
    return {
        FUNCTIONS_WORKER_RUNTIME: 'node',
        // Off Azure there is no managed identity: DefaultAzureCredential uses only developer
        // credentials (az, azd, PowerShell, VS Code sign-ins) and never probes the managed
        // identity endpoint, so registry calls fail fast and closed when nobody is signed in.
        AZURE_TOKEN_CREDENTIALS: 'dev',
        AzureWebJobsStorage: azuriteConnectionString,
        [STORAGE_CONNECTION]: azuriteConnectionString,
        ACR_GUARD_REGISTRY_LOGIN_SERVER: 'acrguardlocal.azurecr.io',
        ACR_GUARD_REGISTRY_RESOURCE_ID:
            '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-acr-guard-local/providers/Microsoft.ContainerRegistry/registries/acrguardlocal',
    };
}
