import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createServices } from '../../shared/app/createServices';
import { loadSettings } from '../../shared/config/settings';
import { PolicyError } from '../../shared/policy/gatePolicy';
import { startAcrServer, type AcrServer } from '../acr-server/acrServer';
import { provisionAzurite } from '../support/provisionAzurite';
import { testAzureAccess } from '../support/testAzureAccess';

/*
 * The composition root on its own: the same graph the app builds, with the test access (a fake
 * Entra token and trust in the ACR stand-in) as the only difference.
 */
const ROOT = path.resolve(__dirname, '../..');
const options = { appRoot: ROOT, hostJsonPath: path.join(ROOT, 'host.json') };
let server: AcrServer;

const settingsFor = (extra: Record<string, string> = {}) =>
    loadSettings({
        ACR_GUARD_STORAGE: inject('azuriteConnectionString'),
        ACR_GUARD_REGISTRY_LOGIN_SERVER: server.loginServer,
        ACR_GUARD_REGISTRY_RESOURCE_ID: server.registryResourceId,
        ACR_GUARD_REGISTRY_ENDPOINT: server.registryEndpoint,
        ACR_GUARD_ARM_ENDPOINT: server.armEndpoint,
        ...extra,
    });

beforeAll(async () => {
    server = await startAcrServer({ azuriteConnectionString: inject('azuriteConnectionString') });
    await provisionAzurite(inject('azuriteConnectionString'));
});
afterAll(async () => {
    await server?.close();
});

describe('createServices', () => {
    it('checks the configuration at start-up: a bad policy file fails createServices, naming the setting', () => {
        expect(() => createServices(settingsFor({ ACR_GUARD_GATE_POLICY_PATH: 'test/fixtures/scan/bad-gate-policy.json' }), testAzureAccess(server.ca), options)).toThrow(PolicyError);
        expect(() => createServices(settingsFor({ ACR_GUARD_GATE_POLICY_PATH: 'test/fixtures/scan/bad-gate-policy.json' }), testAzureAccess(server.ca), options)).toThrow(/ACR_GUARD_GATE_POLICY_PATH/);
    });

    it('builds each service once and hands every caller the same instance, also when asked concurrently', async () => {
        const services = createServices(settingsFor(), testAzureAccess(server.ca), options);
        const [a, b] = await Promise.all([services.scanPipeline(), services.scanPipeline()]);
        expect(a).toBe(b);
        expect(await services.scanPipeline()).toBe(a);
        expect(await services.alerts()).toBe(await services.alerts());
        expect(await services.intake()).toBe(await services.intake());
        expect(await services.gateStores()).toBe(await services.gateStores());
        // Every part builds against the same settings and access.
        for (const part of [services.approval, services.reconciler, services.rescanSelection, services.patching, services.parking]) {
            await expect(part()).resolves.toBeDefined();
        }
    });

    it('serves an approval through the graph it built: the scan store and the promoter are the app’s own', async () => {
        const services = createServices(settingsFor(), testAzureAccess(server.ca), options);
        const answer = await (await services.approval()).approve({ repository: 'quarantine/none', digest: `sha256:${'0'.repeat(64)}`, tag: '1.0' });
        // Nothing was scanned for that digest: refused, read from the real (empty) results table.
        expect(answer.status).toBe(409);
    });
});
