import { isNotFound } from '../errors/restStatus';
import { odata, type TableClient } from '@azure/data-tables';

/** One queued rescan request (so a repeated timer run does not queue it twice). */
export interface QueuedRescan {
    readonly requestId: string;
    readonly digest: string;
    readonly repository: string;
    readonly dbVersion: string | null;
    readonly queuedAt: Date;
}

/** What one selection run did. */
export interface RescanRunRecord {
    readonly runId: string;
    readonly startedAt: Date;
    readonly finishedAt: Date;
    readonly selection: 'all' | 'pulled';
    readonly currentDbVersion: string | null;
    readonly candidates: number;
    /** Rows from the source that were not usable (malformed pull-log rows). */
    readonly ignored: number;
    readonly queued: number;
    /** Why each queued digest was queued: reason → count. */
    readonly queuedByReason: Readonly<Record<string, number>>;
    /** Why each other digest was skipped: reason → count (incl. `already-queued`). */
    readonly skippedByReason: Readonly<Record<string, number>>;
}

export interface RescanLedger {
    findQueued(requestId: string): Promise<QueuedRescan | null>;
    /** Records (or refreshes) a queued request, after it was enqueued. */
    recordQueued(entry: QueuedRescan): Promise<void>;
    recordRun(run: RescanRunRecord): Promise<void>;
    listRuns(): Promise<RescanRunRecord[]>;
}

const RUN_PARTITION = 'run';

/**
 * Table storage: `RescanRequests` (PartitionKey = request id, RowKey = 'queued') and `RescanRuns`
 * (PartitionKey 'run', RowKey = start time + run id, so a listing is in time order).
 */
export class TableRescanLedger implements RescanLedger {
    constructor(
        private readonly requests: TableClient,
        private readonly runs: TableClient,
    ) {}

    async findQueued(requestId: string): Promise<QueuedRescan | null> {
        try {
            const e = await this.requests.getEntity<Record<string, unknown>>(requestId, 'queued');
            return {
                requestId,
                digest: String(e['digest']),
                repository: String(e['repository']),
                dbVersion: typeof e['dbVersion'] === 'string' ? e['dbVersion'] : null,
                queuedAt: new Date(String(e['queuedAt'])),
            };
        } catch (err) {
            if (isNotFound(err)) return null;
            throw err;
        }
    }

    async recordQueued(entry: QueuedRescan): Promise<void> {
        await this.requests.upsertEntity(
            {
                partitionKey: entry.requestId,
                rowKey: 'queued',
                digest: entry.digest,
                repository: entry.repository,
                ...(entry.dbVersion !== null ? { dbVersion: entry.dbVersion } : {}),
                queuedAt: entry.queuedAt.toISOString(),
            },
            'Replace',
        );
    }

    async recordRun(run: RescanRunRecord): Promise<void> {
        await this.runs.upsertEntity(
            {
                partitionKey: RUN_PARTITION,
                rowKey: `${run.startedAt.toISOString()}_${run.runId}`,
                runId: run.runId,
                startedAt: run.startedAt.toISOString(),
                finishedAt: run.finishedAt.toISOString(),
                selection: run.selection,
                ...(run.currentDbVersion !== null ? { currentDbVersion: run.currentDbVersion } : {}),
                candidates: run.candidates,
                ignored: run.ignored,
                queued: run.queued,
                skipped: Object.values(run.skippedByReason).reduce((a, b) => a + b, 0),
                queuedByReason: JSON.stringify(run.queuedByReason),
                skippedByReason: JSON.stringify(run.skippedByReason),
            },
            'Replace',
        );
    }

    async listRuns(): Promise<RescanRunRecord[]> {
        const out: RescanRunRecord[] = [];
        for await (const e of this.runs.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${RUN_PARTITION}` } })) {
            out.push({
                runId: String(e['runId']),
                startedAt: new Date(String(e['startedAt'])),
                finishedAt: new Date(String(e['finishedAt'])),
                selection: e['selection'] === 'pulled' ? 'pulled' : 'all',
                currentDbVersion: typeof e['currentDbVersion'] === 'string' ? e['currentDbVersion'] : null,
                candidates: Number(e['candidates']),
                ignored: Number(e['ignored']),
                queued: Number(e['queued']),
                queuedByReason: JSON.parse(String(e['queuedByReason'])) as Record<string, number>,
                skippedByReason: JSON.parse(String(e['skippedByReason'])) as Record<string, number>,
            });
        }
        return out;
    }
}
