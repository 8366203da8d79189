import { randomBytes } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import { describe, expect, inject, it } from 'vitest';
import { parsePatchingConfig, type PatchingConfig } from '../../shared/patching/config';
import { STALE_PLANNING_MS, startPatchCycle, type PatchCycleDeps } from '../../shared/patching/patchCycle';
import { decodePatchRequest } from '../../shared/patching/patchRequest';
import { QueuePatchRequestSink } from '../../shared/patching/patchRequestSink';
import { PatchCycleStore } from '../../shared/patching/patchRunStore';
import { inventoryTagSource } from '../../shared/patching/tagSource';

const config = (() => {
    const parsed = parsePatchingConfig(JSON.stringify({ version: 'v1', repositories: [{ repository: 'live/app', tags: ['*'], enabled: true }] }));
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    return parsed.config;
})();
const tagSource = inventoryTagSource({ repositories: { 'live/app': ['1.0', '1.0-1', '2.0', '3.0'] } });
const log = { log: () => undefined, warn: () => undefined };

async function setup() {
    const cs = inject('azuriteConnectionString');
    const suffix = randomBytes(4).toString('hex');
    const queue = new QueueClient(cs, `patch-resume-${suffix}`);
    const table = TableClient.fromConnectionString(cs, `PatchCycles${suffix}`, { allowInsecureConnection: true });
    await Promise.all([queue.createIfNotExists(), table.createTable()]);
    const cycles = new PatchCycleStore(table);
    const deps = (at: Date, requests = new QueuePatchRequestSink(queue)): PatchCycleDeps => ({
        config: config as PatchingConfig,
        everyDays: 7,
        registry: 'contoso.azurecr.io',
        tagSource,
        cycles,
        requests,
        runsPerMinute: 600,
        now: () => at,
    });
    const queued = async () => {
        const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32 });
        return receivedMessageItems.map((m) => {
            const decoded = decodePatchRequest(m.messageText);
            if (!decoded.ok || decoded.request.kind !== 'patch') throw new Error('unexpected message');
            return `${decoded.request.cycleId} ${decoded.request.tag}`;
        });
    };
    return { cs, queue, cycles, deps, queued };
}

describe('patch cycle resumption', () => {
    it('resumes a cycle whose fan-out failed, under the same cycle id, at the next timer run', async () => {
        const { cycles, deps, queued, queue } = await setup();
        const start = new Date('2026-11-22T01:00:00Z');
        // A real queue outage: nothing listens on port 1.
        const down = new QueuePatchRequestSink(new QueueClient('http://127.0.0.1:1/devstoreaccount1/patch-requests', undefined, { retryOptions: { maxTries: 1 } }));
        await expect(startPatchCycle(deps(start, down), 'timer', log)).rejects.toThrow();
        const state = await cycles.getState();
        expect((await cycles.getCycle(state!.lastCycleId))?.status).toBe('failed');

        // An hour later the schedule is not due (7 days), but the failed cycle is finished.
        const outcome = await startPatchCycle(deps(new Date('2026-11-22T02:00:00Z')), 'timer', log);
        expect(outcome).toMatchObject({ started: true, reason: 'resumed', cycleId: state!.lastCycleId, enqueued: 3 });
        expect((await queued()).sort()).toEqual([`${state!.lastCycleId} 1.0`, `${state!.lastCycleId} 2.0`, `${state!.lastCycleId} 3.0`]);
        expect((await cycles.getCycle(state!.lastCycleId))?.status).toBe('enqueued');
        // The schedule itself did not move: the next cycle is still due 7 days after the first start.
        expect((await cycles.getState())?.lastRunAt.toISOString()).toBe(start.toISOString());

        // Nothing left to resume: the next timer run is simply not due.
        expect(await startPatchCycle(deps(new Date('2026-11-22T03:00:00Z')), 'timer', log)).toMatchObject({ started: false, reason: 'not-due' });
        await queue.deleteIfExists();
    });

    it('resumes a cycle left in planning by a crash only once no invocation can still be running it', async () => {
        const { cycles, deps, queued, queue } = await setup();
        const start = new Date('2026-11-22T01:00:00Z');
        // What a process killed mid-fan-out leaves behind: the claim and a `planning` record.
        expect(await cycles.claim(null, 'crashed-cycle', start)).toBe(true);
        await cycles.putCycle({ cycleId: 'crashed-cycle', trigger: 'timer', startedAt: start, finishedAt: null, matches: 0, enqueued: 0, notFound: 0, errors: 0, status: 'planning', message: null });

        const tooEarly = new Date(start.getTime() + STALE_PLANNING_MS - 60_000);
        expect(await startPatchCycle(deps(tooEarly), 'timer', log)).toMatchObject({ started: false, reason: 'not-due' });
        expect(await queued()).toEqual([]);

        const later = new Date(start.getTime() + STALE_PLANNING_MS + 60_000);
        expect(await startPatchCycle(deps(later), 'timer', log)).toMatchObject({ started: true, reason: 'resumed', cycleId: 'crashed-cycle', enqueued: 3 });
        expect(await queued()).toHaveLength(3);
        await queue.deleteIfExists();
    });
});
