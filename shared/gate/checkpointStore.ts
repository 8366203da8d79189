import type { TableClient } from '@azure/data-tables';
import { createHash } from 'node:crypto';
import { isNotFound } from '../errors/restStatus';

/**
 * The reconciler's checkpoint (`GateCheckpoints`), one row per registry (RowKey = a hash of the
 * ARM id, which contains `/`): how far the log was read, and whether that read was complete (the
 * window's end) or stopped at the row cap (the time of the last row read).
 */
const PARTITION = 'reconciliation';

export interface Checkpoint {
    readonly at: Date;
    /**
     * False when the read stopped at the row cap: the next window starts at `at` itself, since
     * going back by the overlap could re-read the same capped rows forever.
     */
    readonly complete: boolean;
}

export class CheckpointStore {
    constructor(private readonly table: TableClient) {}

    private key(registryResourceId: string): string {
        return createHash('sha256').update(registryResourceId.toLowerCase()).digest('hex').slice(0, 40);
    }

    async get(registryResourceId: string): Promise<Checkpoint | null> {
        try {
            const e = await this.table.getEntity<{ checkpoint: string; capped?: boolean }>(PARTITION, this.key(registryResourceId));
            const at = new Date(e.checkpoint);
            return Number.isNaN(at.getTime()) ? null : { at, complete: e.capped !== true };
        } catch (err) {
            if (isNotFound(err)) return null;
            throw err;
        }
    }

    async set(registryResourceId: string, checkpoint: Checkpoint): Promise<void> {
        await this.table.upsertEntity(
            { partitionKey: PARTITION, rowKey: this.key(registryResourceId), registryResourceId, checkpoint: checkpoint.at.toISOString(), capped: !checkpoint.complete },
            'Replace',
        );
    }
}
