import type { TableClient } from '@azure/data-tables';
import { hasStatus as isStatus } from '../errors/restStatus';
import { encodeKeyPart, joinKey } from '../results/tableKeys';

/**
 * Table storage for continuous patching:
 * - `PatchRuns`: one row per (cycle, repository, original tag) — what the worker did and why —
 *   plus one pointer row per pushed patch (`quarantine/NAME`, patch tag) so the verification
 *   observer finds the run from a verdict on the patched image;
 * - `PatchCycles`: the schedule's state (when the last cycle started; ETag-guarded so two timers
 *   or a timer and a run-now never start two cycles) and one row per cycle with its counts.
 */

export const PATCH_RUN_STATUSES = ['scheduled', 'skipped', 'patched', 'failed', 'verified', 'regressed'] as const;
export type PatchRunStatus = (typeof PATCH_RUN_STATUSES)[number];
/** A status after which the worker has nothing left to do for the row. */
export const isSettled = (status: PatchRunStatus) => status !== 'scheduled';

export interface PatchRun {
    readonly cycleId: string;
    readonly registry: string;
    readonly repository: string;
    /** The original tag: patches are built from it. */
    readonly tag: string;
    /** The digest the original tag pointed at (null when it could not be resolved). */
    readonly originalDigest: string | null;
    /** The newest tag (latest patch or the original): what was judged for the skip decision. */
    readonly scannedTag: string;
    readonly scannedDigest: string | null;
    readonly latestPatchTag: string | null;
    readonly patchTag: string;
    /** quarantine/NAME, when the image was (to be) patched. */
    readonly targetRepository: string | null;
    readonly patchedDigest: string | null;
    /** Fixable OS vulnerabilities of the scanned image, and of the patched image once judged. */
    readonly fixableBefore: number | null;
    readonly fixableAfter: number | null;
    readonly status: PatchRunStatus;
    /** Why: a skip reason (`windows`, `eosl`, `no-fixable-os-vulnerabilities`, …) or a failure. */
    readonly reason: string | null;
    /** Where the decision's numbers came from: `stored-scan` or `scan` (a fresh scan run). */
    readonly evidence: string | null;
    readonly scanRunId: string | null;
    readonly patchRunId: string | null;
    /** The gate's outcome on the patched image (pass/fail/error), once known. */
    readonly patchedVerdict: string | null;
    readonly createdAt: Date;
    readonly updatedAt: Date;
}

const RUN_PREFIX = 'run';
const TARGET_PREFIX = 'target';
const runPartition = (cycleId: string) => joinKey(RUN_PREFIX, encodeKeyPart(cycleId));
const runRow = (repository: string, tag: string) => joinKey(encodeKeyPart(repository), encodeKeyPart(tag));
const targetPartition = (repository: string) => joinKey(TARGET_PREFIX, encodeKeyPart(repository));

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function toEntity(run: PatchRun) {
    return {
        partitionKey: runPartition(run.cycleId),
        rowKey: runRow(run.repository, run.tag),
        cycleId: run.cycleId,
        registry: run.registry,
        repository: run.repository,
        tag: run.tag,
        originalDigest: run.originalDigest ?? '',
        scannedTag: run.scannedTag,
        scannedDigest: run.scannedDigest ?? '',
        latestPatchTag: run.latestPatchTag ?? '',
        patchTag: run.patchTag,
        targetRepository: run.targetRepository ?? '',
        patchedDigest: run.patchedDigest ?? '',
        fixableBefore: run.fixableBefore ?? -1,
        fixableAfter: run.fixableAfter ?? -1,
        status: run.status,
        reason: (run.reason ?? '').slice(0, 4000),
        evidence: run.evidence ?? '',
        scanRunId: run.scanRunId ?? '',
        patchRunId: run.patchRunId ?? '',
        patchedVerdict: run.patchedVerdict ?? '',
        createdAt: run.createdAt,
        updatedAt: run.updatedAt,
    };
}

function fromEntity(e: Record<string, unknown>): PatchRun {
    const count = (v: unknown) => {
        const n = num(v);
        return n === null || n < 0 ? null : n;
    };
    return {
        cycleId: String(e['cycleId']),
        registry: String(e['registry']),
        repository: String(e['repository']),
        tag: String(e['tag']),
        originalDigest: str(e['originalDigest']),
        scannedTag: String(e['scannedTag']),
        scannedDigest: str(e['scannedDigest']),
        latestPatchTag: str(e['latestPatchTag']),
        patchTag: String(e['patchTag']),
        targetRepository: str(e['targetRepository']),
        patchedDigest: str(e['patchedDigest']),
        fixableBefore: count(e['fixableBefore']),
        fixableAfter: count(e['fixableAfter']),
        status: String(e['status']) as PatchRunStatus,
        reason: str(e['reason']),
        evidence: str(e['evidence']),
        scanRunId: str(e['scanRunId']),
        patchRunId: str(e['patchRunId']),
        patchedVerdict: str(e['patchedVerdict']),
        createdAt: new Date(e['createdAt'] as string | Date),
        updatedAt: new Date(e['updatedAt'] as string | Date),
    };
}


export class PatchRunStore {
    constructor(private readonly table: TableClient) {}

    async get(cycleId: string, repository: string, tag: string): Promise<PatchRun | null> {
        try {
            return fromEntity(await this.table.getEntity(runPartition(cycleId), runRow(repository, tag)));
        } catch (err) {
            if (isStatus(err, 404)) return null;
            throw err;
        }
    }

    /** Writes the row (last writer wins: one worker owns a row at a time) and, for a pushed patch, its pointer. */
    async put(run: PatchRun): Promise<void> {
        if (run.targetRepository && run.status !== 'skipped') {
            // The pointer first: a verdict that arrives before the row update still finds the run.
            await this.table.upsertEntity(
                { partitionKey: targetPartition(run.targetRepository), rowKey: encodeKeyPart(run.patchTag), cycleId: run.cycleId, repository: run.repository, tag: run.tag },
                'Replace',
            );
        }
        await this.table.upsertEntity(toEntity(run), 'Replace');
    }

    /** The newest run that pushed (or will push) `targetRepository:patchTag`. */
    async findByTarget(targetRepository: string, patchTag: string): Promise<PatchRun | null> {
        let pointer: Record<string, unknown>;
        try {
            pointer = await this.table.getEntity(targetPartition(targetRepository), encodeKeyPart(patchTag));
        } catch (err) {
            if (isStatus(err, 404)) return null;
            throw err;
        }
        return this.get(String(pointer['cycleId']), String(pointer['repository']), String(pointer['tag']));
    }

    async listCycle(cycleId: string): Promise<PatchRun[]> {
        const out: PatchRun[] = [];
        const pk = runPartition(cycleId).replace(/'/g, "''");
        for await (const e of this.table.listEntities({ queryOptions: { filter: `PartitionKey eq '${pk}'` } })) out.push(fromEntity(e));
        return out;
    }
}

/** The schedule's state: when the last cycle started. */
export interface ScheduleState {
    readonly lastRunAt: Date;
    readonly lastCycleId: string;
    readonly etag: string;
}

export interface CycleRecord {
    readonly cycleId: string;
    readonly trigger: string;
    readonly startedAt: Date;
    readonly finishedAt: Date | null;
    readonly matches: number;
    readonly enqueued: number;
    readonly notFound: number;
    readonly errors: number;
    readonly status: 'planning' | 'enqueued' | 'failed';
    readonly message: string | null;
}

const STATE_KEY = { partitionKey: 'schedule', rowKey: 'state' } as const;

export class PatchCycleStore {
    constructor(private readonly table: TableClient) {}

    async getState(): Promise<ScheduleState | null> {
        try {
            const e = await this.table.getEntity<{ lastRunAt: Date | string; lastCycleId: string }>(STATE_KEY.partitionKey, STATE_KEY.rowKey);
            return { lastRunAt: new Date(e.lastRunAt), lastCycleId: e.lastCycleId, etag: e.etag };
        } catch (err) {
            if (isStatus(err, 404)) return null;
            throw err;
        }
    }

    /**
     * Claims the next cycle: writes (lastRunAt, cycleId) only if the state is still what the caller
     * read (`previous` null = no state yet). False when another starter got there first.
     */
    async claim(previous: ScheduleState | null, cycleId: string, at: Date): Promise<boolean> {
        const entity = { ...STATE_KEY, lastRunAt: at, lastCycleId: cycleId };
        try {
            if (previous === null) await this.table.createEntity(entity);
            else await this.table.updateEntity(entity, 'Replace', { etag: previous.etag });
            return true;
        } catch (err) {
            if (isStatus(err, 409, 412)) return false;
            throw err;
        }
    }

    async putCycle(cycle: CycleRecord): Promise<void> {
        await this.table.upsertEntity(
            { partitionKey: 'cycle', rowKey: encodeKeyPart(cycle.cycleId), ...cycle, finishedAt: cycle.finishedAt ?? undefined, message: (cycle.message ?? '').slice(0, 4000) },
            'Replace',
        );
    }

    async getCycle(cycleId: string): Promise<CycleRecord | null> {
        try {
            const e = await this.table.getEntity<Record<string, unknown>>('cycle', encodeKeyPart(cycleId));
            return {
                cycleId: String(e['cycleId']),
                trigger: String(e['trigger']),
                startedAt: new Date(e['startedAt'] as string),
                finishedAt: e['finishedAt'] ? new Date(e['finishedAt'] as string) : null,
                matches: Number(e['matches']),
                enqueued: Number(e['enqueued']),
                notFound: Number(e['notFound']),
                errors: Number(e['errors']),
                status: e['status'] as CycleRecord['status'],
                message: str(e['message']),
            };
        } catch (err) {
            if (isStatus(err, 404)) return null;
            throw err;
        }
    }
}
