import type { TableClient } from '@azure/data-tables';
import { createHash } from 'node:crypto';
import { isNotFound } from './tableKeys';
import { onceUntilSuccess } from '../storage/onceUntilSuccess';

/**
 * The reconciler's checkpoint (`GateCheckpoints`): the end of the last window read completely,
 * one row per registry (RowKey = a hash of the ARM id, which contains `/`).
 */
const PARTITION = 'reconciliation';

export class CheckpointStore {
    constructor(private readonly table: TableClient) {}

    private readonly ready = onceUntilSuccess(() => this.table.createTable());

    private key(registryResourceId: string): string {
        return createHash('sha256').update(registryResourceId.toLowerCase()).digest('hex').slice(0, 40);
    }

    async get(registryResourceId: string): Promise<Date | null> {
        await this.ready();
        try {
            const e = await this.table.getEntity<{ checkpoint: string }>(PARTITION, this.key(registryResourceId));
            const at = new Date(e.checkpoint);
            return Number.isNaN(at.getTime()) ? null : at;
        } catch (err) {
            if (isNotFound(err)) return null;
            throw err;
        }
    }

    async set(registryResourceId: string, checkpoint: Date): Promise<void> {
        await this.ready();
        await this.table.upsertEntity(
            { partitionKey: PARTITION, rowKey: this.key(registryResourceId), registryResourceId, checkpoint: checkpoint.toISOString() },
            'Replace',
        );
    }
}
