import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { loadSettings } from '../../shared/config/settings';
import { readStorageConnection } from '../../shared/config/storageConnection';
import { createBlobContainerClient } from '../../shared/storage/blobContainer';
import { FakeTokenCredential } from '../support/fakeTokenCredential';

const base = {
    ACR_GUARD_STORAGE: 'UseDevelopmentStorage=true',
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    ACR_GUARD_REGISTRY_LOGIN_SERVER: 'contoso.azurecr.io',
    ACR_GUARD_REGISTRY_RESOURCE_ID: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/contoso',
};

describe('the settings issue 11 added', () => {
    it('defaults: ABAC registry, dead letters in eventgrid-deadletter, Entra auth off', () => {
        expect(loadSettings(base)).toMatchObject({ registryRoleAssignmentMode: 'AbacRepositoryPermissions', deadLetterContainer: 'eventgrid-deadletter', apiAuthTenantId: undefined, apiAuthAudience: undefined });
    });

    it('empty values (how the Bicep says "off") are unset', () => {
        expect(loadSettings({ ...base, ACR_GUARD_API_AUTH_TENANT_ID: '', ACR_GUARD_API_AUTH_AUDIENCE: '' })).toMatchObject({ apiAuthTenantId: undefined, apiAuthAudience: undefined });
    });

    it('refuses a bad mode, container name or tenant id, naming the setting', () => {
        expect(() => loadSettings({ ...base, ACR_GUARD_REGISTRY_ROLE_ASSIGNMENT_MODE: 'abac' })).toThrow(/ACR_GUARD_REGISTRY_ROLE_ASSIGNMENT_MODE is malformed/);
        expect(() => loadSettings({ ...base, ACR_GUARD_DEAD_LETTER_CONTAINER: 'Dead_Letters' })).toThrow(/ACR_GUARD_DEAD_LETTER_CONTAINER is malformed/);
        expect(() => loadSettings({ ...base, ACR_GUARD_API_AUTH_TENANT_ID: 'contoso.onmicrosoft.com' })).toThrow(/ACR_GUARD_API_AUTH_TENANT_ID is malformed/);
        expect(loadSettings({ ...base, ACR_GUARD_REGISTRY_ROLE_ASSIGNMENT_MODE: 'LegacyRegistryPermissions' }).registryRoleAssignmentMode).toBe('LegacyRegistryPermissions');
    });
});

describe('the blob endpoint of the storage connection (dead letters)', () => {
    const identity = { ACR_GUARD_STORAGE__queueServiceUri: 'https://acct.queue.core.windows.net', ACR_GUARD_STORAGE__tableServiceUri: 'https://acct.table.core.windows.net', ACR_GUARD_STORAGE__credential: 'managedidentity' };

    it('is read like the queue and table endpoints: explicit, or from the account name', () => {
        expect(readStorageConnection('ACR_GUARD_STORAGE', { ...identity, ACR_GUARD_STORAGE__blobServiceUri: 'https://acct.blob.core.windows.net/' })).toMatchObject({ blobServiceUri: 'https://acct.blob.core.windows.net' });
        expect(readStorageConnection('ACR_GUARD_STORAGE', { ACR_GUARD_STORAGE__accountName: 'acct' })).toMatchObject({ blobServiceUri: 'https://acct.blob.core.windows.net' });
        expect(readStorageConnection('ACR_GUARD_STORAGE', identity)).not.toHaveProperty('blobServiceUri');
        expect(() => readStorageConnection('ACR_GUARD_STORAGE', { ...identity, ACR_GUARD_STORAGE__blobServiceUri: 'acct' })).toThrow(/ACR_GUARD_STORAGE__blobServiceUri is malformed/);
    });

    it('builds a container client by identity, and says which setting is missing without one', () => {
        const withBlob = readStorageConnection('ACR_GUARD_STORAGE', { ...identity, ACR_GUARD_STORAGE__blobServiceUri: 'https://acct.blob.core.windows.net' });
        expect(createBlobContainerClient(withBlob, 'eventgrid-deadletter', new FakeTokenCredential()).url).toBe('https://acct.blob.core.windows.net/eventgrid-deadletter');
        expect(() => createBlobContainerClient(readStorageConnection('ACR_GUARD_STORAGE', identity), 'eventgrid-deadletter', new FakeTokenCredential())).toThrow(/set ACR_GUARD_STORAGE__blobServiceUri/);
    });

    it('with a connection string, reaches the same account (Azurite)', async () => {
        const container = createBlobContainerClient(readStorageConnection('X', { X: inject('azuriteConnectionString') }), `dl-${randomBytes(4).toString('hex')}`);
        await container.create();
        expect(await container.exists()).toBe(true);
    });
});
