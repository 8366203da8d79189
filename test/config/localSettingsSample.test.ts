import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings, settingsCatalog } from '../../shared/config/settings';
import { STORAGE_CONNECTION } from '../../shared/config/storageConnection';
import { readmeWithSettings, settingsSampleText } from '../../shared/config/settingsSample';

const sample = JSON.parse(readFileSync(path.resolve(__dirname, '../../local.settings.sample.json'), 'utf8')) as {
    IsEncrypted: boolean;
    Values: Record<string, string>;
    IdentityBasedStorageInAzure: Record<string, string>;
};

describe('local.settings.sample.json', () => {
    it('lists every setting of the catalog, the storage connection and the Functions host settings', () => {
        const names = Object.keys(sample.Values);
        for (const spec of Object.values(settingsCatalog)) expect(names).toContain(spec.name);
        expect(sample.Values).toMatchObject({
            FUNCTIONS_WORKER_RUNTIME: 'node',
            AzureWebJobsStorage: 'UseDevelopmentStorage=true',
            [STORAGE_CONNECTION]: 'UseDevelopmentStorage=true',
        });
        // Nothing in the sample that the app does not read.
        const known = new Set([...Object.values(settingsCatalog).map((s) => s.name), STORAGE_CONNECTION, 'AzureWebJobsStorage', 'FUNCTIONS_WORKER_RUNTIME']);
        expect(names.filter((n) => !known.has(n))).toEqual([]);
    });

    it('holds values the app starts with', () => {
        const settings = loadSettings(sample.Values);
        expect(settings.storage.kind).toBe('connectionString');
        expect(settings.quarantinePrefix).toBe('quarantine/');
    });

    it('documents an identity-based storage connection that the app accepts too', () => {
        const { ACR_GUARD_STORAGE: _connectionString, ...withoutConnectionString } = sample.Values;
        const identityOnly = Object.fromEntries(Object.entries(sample.IdentityBasedStorageInAzure).filter(([k]) => !k.startsWith('_')));
        const settings = loadSettings({ ...withoutConnectionString, ...identityOnly });
        expect(settings.storage).toMatchObject({ kind: 'identity', queueServiceUri: 'https://stacrguard.queue.core.windows.net', tableServiceUri: 'https://stacrguard.table.core.windows.net' });
    });
});

describe('local.settings.sample.json is generated from the catalog', () => {
    it('matches settingsSample() exactly (run `npm run settings:sample` after changing a setting)', () => {
        expect(readFileSync(path.resolve(__dirname, '../../local.settings.sample.json'), 'utf8')).toBe(settingsSampleText());
    });

    it('says what every setting means', () => {
        const meanings = (sample as unknown as { Meanings: Record<string, string> }).Meanings;
        for (const name of Object.keys(sample.Values)) expect(meanings[name], name).toMatch(/\w{3,}/);
    });
});

describe('README settings table', () => {
    it('is the one generated from the catalog (run `npm run settings:sample` after changing a setting)', () => {
        const readme = readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
        expect(readmeWithSettings(readme)).toBe(readme);
        for (const spec of Object.values(settingsCatalog)) expect(readme).toContain(`\`${spec.name}\``);
    });
});

describe('ACR_GUARD_REGISTRY_LOGIN_SERVER', () => {
    it('is refused at start-up unless it is a host name scan requests accept', () => {
        for (const bad of ['-contoso-.azurecr.io', 'contoso..azurecr.io', '.contoso.azurecr.io']) {
            expect(() => loadSettings({ ...sample.Values, ACR_GUARD_REGISTRY_LOGIN_SERVER: bad }), bad).toThrow(/ACR_GUARD_REGISTRY_LOGIN_SERVER is malformed/);
        }
        expect(loadSettings({ ...sample.Values, ACR_GUARD_REGISTRY_LOGIN_SERVER: 'localhost:5443' }).registryLoginServer).toBe('localhost:5443');
    });
});
