import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
// The local host must be imported before anything that registers functions.
import { startLocalHost } from '../../local-host';
import { DEFAULT_POLICY, PolicyError } from '../../shared/policy/gatePolicy';
import { appRoot } from '../../shared/app/appRoot';
import { loadGatePolicy } from '../../shared/scan/gatePolicySource';
import { DEFAULT_MAX_DEQUEUE_COUNT, readMaxDequeueCount } from '../../shared/scan/hostRetries';

const FUNCTIONS_DIR = path.resolve(__dirname, '../../functions');
const ROOT = path.resolve(__dirname, '../..');
const tempFile = (name: string, text: string) => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'acr-guard-scan-')), name);
    writeFileSync(file, text);
    return file;
};

describe('gate policy source and host.json retries', () => {
    it('finds the app root (host.json) and resolves the policy path against it; unset = DEFAULT_POLICY', () => {
        expect(appRoot()).toBe(ROOT);
        expect(loadGatePolicy(undefined, ROOT)).toBe(DEFAULT_POLICY);
        const policy = loadGatePolicy('test/fixtures/scan/gate-policy-allow-critical.json', ROOT);
        expect(policy.default).toMatchObject({ blockSeverities: [], denyEosl: false });
    });

    it('names the setting and the problem for an invalid or missing policy file', () => {
        expect(() => loadGatePolicy('test/fixtures/scan/bad-gate-policy.json', ROOT)).toThrow(PolicyError);
        expect(() => loadGatePolicy('test/fixtures/scan/bad-gate-policy.json', ROOT)).toThrow(/ACR_GUARD_GATE_POLICY_PATH .*is not a valid gate policy[\s\S]*default\.blockSeverities\[1\]/);
        expect(() => loadGatePolicy('no/such/policy.json', ROOT)).toThrow(/ACR_GUARD_GATE_POLICY_PATH: cannot read the gate policy file .*ENOENT/);
    });

    it('reads maxDequeueCount from host.json (default 5 when absent) and refuses a bad value', () => {
        expect(readMaxDequeueCount(path.join(ROOT, 'host.json'))).toBe(5);
        expect(readMaxDequeueCount(tempFile('host.json', JSON.stringify({ version: '2.0', extensions: { queues: { maxDequeueCount: 2 } } })))).toBe(2);
        expect(readMaxDequeueCount(tempFile('host.json', JSON.stringify({ version: '2.0' })))).toBe(DEFAULT_MAX_DEQUEUE_COUNT);
        expect(readMaxDequeueCount(path.join(tmpdir(), 'no-such-dir-acr-guard', 'host.json'))).toBe(DEFAULT_MAX_DEQUEUE_COUNT);
        expect(() => readMaxDequeueCount(tempFile('host.json', JSON.stringify({ extensions: { queues: { maxDequeueCount: 0 } } })))).toThrow(/maxDequeueCount must be a whole number/);
    });

    it('fails the app start (not the first scan) when the policy file is invalid, naming the setting', async () => {
        const azurite = inject('azuriteConnectionString');
        const start = startLocalHost({
            functionsDir: FUNCTIONS_DIR,
            port: 0,
            runSchedules: false,
            env: {
                ACR_GUARD_STORAGE: azurite,
                AzureWebJobsStorage: azurite,
                ACR_GUARD_REGISTRY_LOGIN_SERVER: 'contoso.azurecr.io',
                ACR_GUARD_REGISTRY_RESOURCE_ID: '/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/contoso',
                ACR_GUARD_GATE_POLICY_PATH: 'test/fixtures/scan/bad-gate-policy.json',
            },
        });
        await expect(start).rejects.toThrow(/ACR_GUARD_GATE_POLICY_PATH/);
    });
});
