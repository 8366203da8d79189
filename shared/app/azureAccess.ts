import type { TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential } from '@azure/identity';
import type { Settings } from '../config/settings';
import { perApp } from './runtime';

/*
 * How the app reaches Azure (ARM, the ACR data plane, Log Analytics, Event Grid): one credential
 * and one set of client options per app, chosen here and nowhere else. Every composition file
 * (registry adapters, gate, rescan, alerts, patching, scan) builds its SDK clients from
 * `azureAccess()`. Storage clients are the exception in construction only: they follow the
 * Functions host's connection convention (shared/storage/connection.ts), and their credential is
 * the one reused below.
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
}

/**
 * The production access for these settings.
 *
 * Credential: when the storage connection is identity-based, its credential is reused (what the
 * alert sinks did before this module existed): the Function App has one user-assigned identity,
 * infra/ puts the same client id in ACR_GUARD_STORAGE__clientId and AZURE_CLIENT_ID, so one
 * credential (and one token cache) serves storage and every other Azure client, and an operator who
 * names the identity only on the storage connection gets it everywhere. Otherwise (a connection
 * string: local development, Azurite) DefaultAzureCredential, which reads AZURE_CLIENT_ID itself to
 * pick a user-assigned managed identity in Azure, and uses a developer's own sign-in elsewhere.
 */
export function createAzureAccess(settings: Pick<Settings, 'storage'>): AzureAccess {
    const credential = settings.storage.kind === 'identity' ? settings.storage.credential : new DefaultAzureCredential();
    return { credential, clientOptions: {} };
}

const production = perApp(createAzureAccess);

let override: AzureAccess | undefined;

/**
 * The one test seam for the network boundary: a fake TokenCredential and `tlsOptions: { ca }` for
 * the local HTTPS stand-ins (ACR, Log Analytics, an Event Grid topic), optionally fast polling.
 * Set it before the app builds its adapters (before the local host starts); undefined restores
 * production.
 */
export function useAzureAccess(access: AzureAccess | undefined): void {
    override = access;
}

/** The app's Azure access: the test override if one is set, else the production credential and options. */
export function azureAccess(): AzureAccess {
    return override ?? production();
}
