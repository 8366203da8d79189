import { randomBytes } from 'node:crypto';
import { checkRepository, checkTag } from '../oci/reference';
import type { PatchingConfig } from './config';
import type { PatchRequestSink } from './patchRequestSink';
import { staggerDelaySeconds } from './patchRequestSink';
import type { CycleRecord, PatchCycleStore } from './patchRunStore';
import { planRepositories } from './plan';
import { decideRun } from '../validation/patchSchedule';
import type { TagSource } from './tagSource';
import { errorMessage } from '../errors/errorMessage';

export interface PatchCycleDeps {
    /** Undefined: continuous patching is off (ACR_GUARD_PATCH_CONFIG_PATH unset). */
    readonly config: PatchingConfig | undefined;
    readonly everyDays: number;
    readonly registry: string;
    readonly tagSource: TagSource;
    readonly cycles: PatchCycleStore;
    readonly requests: PatchRequestSink;
    readonly runsPerMinute: number;
    /** A run-now within this long after the last cycle start returns that cycle (default 5 min). */
    readonly runNowWindowMs?: number;
    readonly now?: () => Date;
}

export interface CycleLog {
    log(message: string): void;
    warn(message: string): void;
}

export type CycleTrigger = 'timer' | 'run-now';

export type CycleOutcome =
    | { started: false; reason: 'patching-off' | 'not-due' | 'recent-cycle' | 'claimed-elsewhere'; cycleId: string | null; nextRunAt: Date | null }
    | { started: true; cycleId: string; reason: string; nextRunAt: Date; matches: number; enqueued: number; notFound: number; errors: number };

const SEND_CONCURRENCY = 16;

/**
 * Starts a continuous-patching cycle when it is due (every N days from the LAST start, kept in
 * Table storage), or at once for run-now: claims the cycle with an ETag-guarded write (so two
 * timer instances, or a timer and a run-now, never start two), plans it repository by repository
 * over the registry's paged tag listing, and fans out one `patch` request per match, staggered
 * with the message visibility delay so at most `runsPerMinute` task runs start per minute. No
 * image cap. A run-now repeated within a few minutes is answered with the cycle already started.
 */
export async function startPatchCycle(deps: PatchCycleDeps, trigger: CycleTrigger, log: CycleLog): Promise<CycleOutcome> {
    const now = (deps.now ?? (() => new Date()))();
    const config = deps.config;
    if (!config) return { started: false, reason: 'patching-off', cycleId: null, nextRunAt: null };
    const state = await deps.cycles.getState();

    // The last cycle's start moved the schedule on before its fan-out: if that fan-out failed or
    // was cut short (a crash, the function timeout), finish it now rather than a period later.
    if (trigger === 'timer' && state) {
        const last = await deps.cycles.getCycle(state.lastCycleId);
        if (last && needsResume(last, now)) {
            // Re-claiming with the same values is the ETag guard: one resumer wins.
            if (!(await deps.cycles.claim(state, last.cycleId, state.lastRunAt))) {
                return { started: false, reason: 'claimed-elsewhere', cycleId: last.cycleId, nextRunAt: null };
            }
            log.warn(`patch cycle ${last.cycleId} ${last.status === 'failed' ? `failed (${last.message ?? 'no reason recorded'})` : 'was cut short'} during its fan-out; resuming it (requests already queued are deduplicated by the patch worker)`);
            const nextRunAt = decideRun({ lastRunAt: state.lastRunAt, everyDays: deps.everyDays, now }).nextRunAt;
            const counts = await fanOut(deps, config, { ...last, status: 'planning', finishedAt: null, message: `resumed after ${last.status}` }, now, log);
            return { started: true, cycleId: last.cycleId, reason: 'resumed', nextRunAt, ...counts };
        }
    }

    if (trigger === 'run-now' && state && now.getTime() - state.lastRunAt.getTime() < (deps.runNowWindowMs ?? 5 * 60_000)) {
        return { started: false, reason: 'recent-cycle', cycleId: state.lastCycleId, nextRunAt: null };
    }
    const decision = decideRun({ lastRunAt: state?.lastRunAt ?? null, everyDays: deps.everyDays, now, runNow: trigger === 'run-now' });
    if (!decision.run) return { started: false, reason: 'not-due', cycleId: state?.lastCycleId ?? null, nextRunAt: decision.nextRunAt };

    const cycleId = `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
    if (!(await deps.cycles.claim(state, cycleId, now))) {
        const current = await deps.cycles.getState();
        return { started: false, reason: 'claimed-elsewhere', cycleId: current?.lastCycleId ?? null, nextRunAt: null };
    }
    log.log(`patch cycle ${cycleId} started (${decision.reason}); next due ${decision.nextRunAt.toISOString()}`);
    const record: CycleRecord = { cycleId, trigger, startedAt: now, finishedAt: null, matches: 0, enqueued: 0, notFound: 0, errors: 0, status: 'planning', message: null };
    const counts = await fanOut(deps, config, record, now, log);
    return { started: true, cycleId, reason: decision.reason, nextRunAt: decision.nextRunAt, ...counts };
}

/**
 * A cycle is resumed when its fan-out failed, or is still `planning` long after any invocation
 * could still be running it (host.json functionTimeout is 30 minutes).
 */
export const STALE_PLANNING_MS = 40 * 60_000;
const needsResume = (cycle: CycleRecord, now: Date) =>
    cycle.status === 'failed' || (cycle.status === 'planning' && now.getTime() - cycle.startedAt.getTime() > STALE_PLANNING_MS);

type CycleCounts = { matches: number; enqueued: number; notFound: number; errors: number };

/** Plans the cycle repository by repository and queues one staggered `patch` request per match. */
async function fanOut(deps: PatchCycleDeps, config: PatchingConfig, record: CycleRecord, now: Date, log: CycleLog): Promise<CycleCounts> {
    const { cycleId } = record;
    await deps.cycles.putCycle(record);
    const seen = new Set<string>();
    let matches = 0;
    let enqueued = 0;
    let notFound = 0;
    let errors = 0;
    try {
        for await (const repo of planRepositories(config, deps.tagSource)) {
            notFound += repo.notFound.length;
            for (const error of repo.errors) {
                errors += 1;
                log.warn(`patch cycle ${cycleId}: ${error.repository}${error.tag ? `:${error.tag}` : ''}: ${error.message}`);
            }
            const batch: (() => Promise<void>)[] = [];
            for (const match of repo.matches) {
                const key = `${match.repository}\n${match.tag}`;
                if (seen.has(key)) continue;
                seen.add(key);
                matches += 1;
                if (match.nextPatchTag === null) continue; // reported in repo.errors (e.g. the 999 cap)
                // Tags come from the registry: check them before they go anywhere.
                const bad = [checkRepository(match.repository), checkTag(match.tag), checkTag(match.nextPatchTag), ...(match.latestPatchTag ? [checkTag(match.latestPatchTag)] : [])].find((c) => !c.ok);
                if (bad && !bad.ok) {
                    errors += 1;
                    log.warn(`patch cycle ${cycleId}: skipped ${JSON.stringify(`${match.repository}:${match.tag}`.slice(0, 200))}: ${bad.reason}`);
                    continue;
                }
                const delay = staggerDelaySeconds(enqueued, deps.runsPerMinute);
                enqueued += 1;
                const request = {
                    schema: 'acr-guard.patch-request' as const,
                    version: 1 as const,
                    kind: 'patch' as const,
                    cycleId,
                    registry: deps.registry,
                    repository: match.repository,
                    tag: match.tag,
                    latestPatchTag: match.latestPatchTag,
                    nextPatchTag: match.nextPatchTag,
                    tagConvention: config.tagConvention,
                    requestedAt: now.toISOString(),
                };
                batch.push(() => deps.requests.send(request, delay));
            }
            await runLimited(batch, SEND_CONCURRENCY);
        }
    } catch (err) {
        const message = errorMessage(err);
        await deps.cycles.putCycle({ ...record, finishedAt: new Date(), matches, enqueued, notFound, errors, status: 'failed', message });
        throw err;
    }
    await deps.cycles.putCycle({ ...record, finishedAt: new Date(), matches, enqueued, notFound, errors, status: 'enqueued' });
    log.log(`patch cycle ${cycleId}: ${matches} match(es), ${enqueued} patch request(s) queued, ${notFound} not found, ${errors} error(s)`);
    return { matches, enqueued, notFound, errors };
}

async function runLimited(tasks: readonly (() => Promise<void>)[], limit: number): Promise<void> {
    let next = 0;
    const failures: unknown[] = [];
    const worker = async () => {
        while (next < tasks.length) {
            const task = tasks[next++]!;
            try {
                await task();
            } catch (err) {
                failures.push(err);
            }
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
    if (failures.length > 0) throw failures[0];
}
