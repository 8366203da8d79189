import { createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AcrTaskRunner } from '../../shared/registry/acrTaskRunner';
import { CALLER_IDENTITY, TASKS_API_VERSION } from '../../shared/registry/scheduleRun';
import { runToCompletion, type TaskRunRequest } from '../../shared/registry/taskRunner';
import { startAcrServer, type AcrServer } from '../acr-server/acrServer';
import { FakeTokenCredential } from '../support/fakeTokenCredential';
import { testAcrConnection } from '../support/testAzureAccess';

// Task runs on ABAC (repository permissions) and legacy registries, against the local registry
// over real HTTPS with the real ARM client pipeline. The stand-in refuses what ACR refuses: on an
// ABAC registry a run without `credentials.sourceRegistry.identity` is queued and then fails its pull.

const request: TaskRunRequest = {
    taskYaml: 'version: v1.1.0\nsteps:\n  - cmd: {{.Values.image}} --version\n',
    values: { image: 'ghcr.io/aquasecurity/trivy:0.58.1' },
    timeoutSeconds: 600,
};
const complete = (runner: AcrTaskRunner) => runToCompletion(runner, request, { timeoutMs: 30_000, pollIntervalMs: 1 });

let abac: AcrServer;
let legacy: AcrServer;

beforeAll(async () => {
    const azuriteConnectionString = inject('azuriteConnectionString');
    [abac, legacy] = await Promise.all([
        startAcrServer({ azuriteConnectionString }),
        startAcrServer({ azuriteConnectionString, roleAssignmentMode: 'LegacyRegistryPermissions' }),
    ]);
    for (const server of [abac, legacy]) server.onRun(() => ({ status: 'Succeeded', log: 'trivy version 0.58.1\n' }));
});

afterAll(async () => {
    await Promise.all([abac?.close(), legacy?.close()]);
});

const scheduleCalls = (server: AcrServer) => server.requests.filter((r) => r.path.endsWith('/scheduleRun'));

describe('task runs on an ABAC registry (the default mode)', () => {
    it('carry the caller identity at the Tasks API version that has it, and the run succeeds; get run and the log keep working', async () => {
        const credential = new FakeTokenCredential();
        const runner = new AcrTaskRunner(testAcrConnection(abac, credential), { schedulePollIntervalMs: 1 });
        const before = scheduleCalls(abac).length;

        const run = await complete(runner);

        expect(run.state.status).toBe('Succeeded');
        expect(run.log).toBe('trivy version 0.58.1\n');
        const scheduled = abac.runs().find((r) => r.runId === run.runId)!;
        expect(scheduled.request['credentials']).toEqual({ sourceRegistry: { identity: '[caller]' } });
        expect(scheduled.sourceRegistryIdentity).toBe(CALLER_IDENTITY);
        expect(scheduled.request).toMatchObject({ type: 'EncodedTaskRunRequest', timeout: 600, platform: { os: 'Linux', architecture: 'amd64' } });
        expect(scheduled.values).toEqual(request.values);
        const calls = scheduleCalls(abac).slice(before);
        expect(calls).toEqual([expect.objectContaining({ method: 'POST', status: 200, query: { 'api-version': TASKS_API_VERSION } })]);
        expect(TASKS_API_VERSION).toBe('2025-03-01-preview');
        // Same credential and pipeline as the SDK calls: an ARM token for the endpoint's audience.
        expect(new Set(credential.requestedScopes)).toEqual(new Set([`${abac.armEndpoint.replace(/\/+$/, '')}/.default`]));
    });

    it('a run scheduled without the caller identity is refused as ACR refuses it: queued, then Failed on the denied pull', async () => {
        const runner = new AcrTaskRunner(testAcrConnection(abac), { schedulePollIntervalMs: 1, roleAssignmentMode: 'LegacyRegistryPermissions' });

        const run = await complete(runner);

        expect(run.state.status).toBe('Failed');
        expect(run.state.errorMessage).toMatch(/pull access denied .*ABAC/);
        expect(run.log).toMatch(/denied: requested access to the resource is denied/);
        expect(abac.runs().find((r) => r.runId === run.runId)!.request['credentials']).toBeUndefined();
    });

    it('an identity sent at an API version that does not know the field counts for nothing (ARM drops it)', async () => {
        const acr = testAcrConnection(abac);
        const body = { ...(abac.runs()[0]!.request), credentials: { sourceRegistry: { identity: '[caller]' } } };
        const reply = await acr.arm.sendRequest(
            createPipelineRequest({
                url: `${abac.armEndpoint.replace(/\/+$/, '')}${abac.registryResourceId}/scheduleRun?api-version=2019-06-01-preview`,
                method: 'POST',
                headers: createHttpHeaders({ 'content-type': 'application/json' }),
                body: JSON.stringify(body),
            }),
        );
        expect(reply.status).toBe(200);
        const runId = (JSON.parse(reply.bodyAsText!) as { properties: { runId: string } }).properties.runId;
        const runner = new AcrTaskRunner(acr, { schedulePollIntervalMs: 1 });
        let state = await runner.get(runId);
        while (!state.finished) state = await runner.get(runId);
        expect(state.status).toBe('Failed');
    });

    it('the registry says its mode (properties.roleAssignmentMode, as az acr show --query roleAssignmentMode)', async () => {
        const reply = await testAcrConnection(abac).arm.sendRequest(
            createPipelineRequest({ url: `${abac.armEndpoint.replace(/\/+$/, '')}${abac.registryResourceId}?api-version=2025-11-01`, method: 'GET' }),
        );
        expect(JSON.parse(reply.bodyAsText!)).toMatchObject({ properties: { roleAssignmentMode: 'AbacRepositoryPermissions' } });
    });
});

describe('scheduleRun answered as a long-running operation (202 + Location)', () => {
    it('follows the Location through the same pipeline until the Run, then the run completes', async () => {
        const lro = await startAcrServer({ azuriteConnectionString: inject('azuriteConnectionString'), scheduleRunPolls: 3 });
        try {
            lro.onRun(() => ({ status: 'Succeeded', log: 'done\n' }));
            const run = await complete(new AcrTaskRunner(testAcrConnection(lro), { schedulePollIntervalMs: 1 }));
            expect(run.state.status).toBe('Succeeded');
            const polls = lro.requests.filter((r) => r.path.includes('/operationResults/runs-'));
            expect(polls.map((r) => r.status)).toEqual([202, 202, 200]);
            expect(lro.runs().find((r) => r.runId === run.runId)!.sourceRegistryIdentity).toBe('[caller]');
        } finally {
            await lro.close();
        }
    });
});

describe('task runs on a legacy-mode registry', () => {
    it('work without credentials, and the runner sends none there', async () => {
        const runner = new AcrTaskRunner(testAcrConnection(legacy), { schedulePollIntervalMs: 1, roleAssignmentMode: 'LegacyRegistryPermissions' });

        const run = await complete(runner);

        expect(run.state.status).toBe('Succeeded');
        expect(run.log).toBe('trivy version 0.58.1\n');
        const scheduled = legacy.runs().find((r) => r.runId === run.runId)!;
        expect(scheduled.request['credentials']).toBeUndefined();
        expect(scheduled.sourceRegistryIdentity).toBeUndefined();
    });

    it('a scheduleRun the service refuses becomes a retryable schedule-failed TaskRunError with the status', async () => {
        // A registry that does not exist: ARM answers 404 with its error envelope.
        const acr = testAcrConnection({ ...legacy, registryResourceId: legacy.registryResourceId.replace(/\/[^/]+$/, '/nosuchregistry') });
        const runner = new AcrTaskRunner(acr, { schedulePollIntervalMs: 1, roleAssignmentMode: 'LegacyRegistryPermissions' });
        await expect(runner.schedule(request)).rejects.toMatchObject({ code: 'schedule-failed', retryable: true, message: expect.stringMatching(/HTTP 404 ResourceNotFound/) });
    });
});
