import { randomBytes } from 'node:crypto';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { inject } from 'vitest';
import type { StorageConnection } from '../../../shared/config/storageConnection';
import { createTableClient } from '../../../shared/storage/storageClients';
import { createAlertService, type AlertServiceDeps, type AlertSettings } from '../../../shared/alerts/createAlertService';
import type { AlertService } from '../../../shared/alerts/alertService';
import { AlertStore } from '../../../shared/alerts/alertStore';

/** A fresh Azurite table name per test, so files and tests can run in parallel. */
export const uniqueTableName = () => `Alerts${randomBytes(6).toString('hex')}`;

export function azuriteConnection(): StorageConnection {
    return { kind: 'connectionString', name: 'ACR_GUARD_STORAGE', connectionString: inject('azuriteConnectionString') };
}

export function alertSettings(overrides: Partial<AlertSettings> = {}): AlertSettings {
    return {
        storage: azuriteConnection(),
        alertTopicEndpoint: undefined,
        alertWebhookUrl: undefined,
        alertWebhookFormat: 'auto',
        alertWebhookTimeoutSeconds: 5,
        ...overrides,
    };
}

/** Fast retries so failing-sink tests stay quick; delays still go through the real code path. */
export const fastRetry = { maxAttempts: 3, baseDelayMs: 2, maxDelayMs: 10, maxInCallWaitMs: 2_000 } as const;

export interface Harness {
    readonly service: AlertService;
    readonly store: AlertStore;
    readonly logLines: string[];
    readonly warnings: string[];
}

/** Builds the service through the real factory, on its own table (created, as provisioning does), capturing every log line. */
export async function harness(settings: AlertSettings, tableName: string, deps: AlertServiceDeps = {}): Promise<Harness> {
    const logLines: string[] = [];
    const warnings: string[] = [];
    const tableClient = createTableClient(settings.storage, tableName);
    await tableClient.createTable();
    const service = createAlertService(settings, {
        tableClient,
        logWriter: (line) => logLines.push(line),
        log: { warn: (m) => warnings.push(m) },
        retry: fastRetry,
        ...deps,
    });
    return { service, store: new AlertStore(createTableClient(settings.storage, tableName)), logLines, warnings };
}

/** A TokenCredential that hands out a fixed token and records the scopes asked for (the identity boundary). */
export function staticTokenCredential(token = 'test-token'): TokenCredential & { scopes: string[] } {
    const scopes: string[] = [];
    return {
        scopes,
        getToken: async (requested: string | string[]): Promise<AccessToken> => {
            scopes.push(...(Array.isArray(requested) ? requested : [requested]));
            return { token, expiresOnTimestamp: Date.now() + 3_600_000 };
        },
    };
}

export const DIGEST_A = `sha256:${'a'.repeat(64)}`;
export const DIGEST_B = `sha256:${'b'.repeat(64)}`;
