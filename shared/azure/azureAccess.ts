import type { TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import type { StorageConnection } from '../config/storageConnection';

/*
 * How the app reaches Azure (ARM, the ACR data plane, Log Analytics, Event Grid): one credential
 * and one set of client options per app. The composition root (shared/app/createServices.ts)
 * receives one AzureAccess and builds every SDK client from it; tests pass one pointed at the
 * local HTTPS stand-ins (test/support/testAzureAccess.ts). Storage clients follow the Functions
 * host's connection convention instead (shared/storage/connection.ts); their credential is the
 * one reused below.
 */

/** Pipeline options every Azure SDK client of ours gets. Production leaves them empty. */
export interface AzureClientOptions {
    /** Tests: `{ ca }` so a client trusts a local stand-in's self-signed certificate (per client, never process-wide). */
    readonly tlsOptions?: { ca?: string | Buffer | Array<string | Buffer> };
    readonly retryOptions?: { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number };
}

export interface AzureAccess {
    readonly credential: TokenCredential;
    readonly clientOptions: AzureClientOptions;
    /**
     * How often running Azure operations are looked at (ACR task runs and their scheduling, image
     * imports, running patch runs). Undefined in production: each adapter's own default (seconds).
     * Tests against the local stand-ins set 1 ms.
     */
    readonly pollIntervalMs?: number;
    /** Page size of registry catalog/tag listings; undefined: ACR's 100. Tests set it small to exercise paging. */
    readonly listPageSize?: number;
    /**
     * Where the Entra tenant's token signing keys are fetched from (`<host>/<tenant>/discovery/v2.0/keys`);
     * undefined: https://login.microsoftonline.com. Tests point it at a local JWKS server.
     */
    readonly entraAuthorityHost?: string;
}

/**
 * The production access for these settings.
 *
 * Credential: one for the whole app, storage included. When the storage connection names a managed
 * identity (CONN__credential=managedidentity, CONN__clientId), that identity: the Function App has one user-assigned identity,
 * infra/ puts the same client id in ACR_GUARD_STORAGE__clientId and AZURE_CLIENT_ID, so one
 * credential (and one token cache) serves storage and every other Azure client, and an operator who
 * names the identity only on the storage connection gets it everywhere. Otherwise (a connection
 * string: local development, Azurite) DefaultAzureCredential, which reads AZURE_CLIENT_ID itself to
 * pick a user-assigned managed identity in Azure, and uses a developer's own sign-in elsewhere.
 */
export function createAzureAccess(storage: StorageConnection): AzureAccess {
    if (storage.kind === 'identity' && storage.managedIdentity) {
        return { credential: storage.clientId ? new ManagedIdentityCredential({ clientId: storage.clientId }) : new ManagedIdentityCredential(), clientOptions: {} };
    }
    const clientId = storage.kind === 'identity' ? storage.clientId : undefined;
    return { credential: new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {}), clientOptions: {} };
}
