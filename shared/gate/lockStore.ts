import type { TableClient } from '@azure/data-tables';
import { isNotFound } from '../errors/restStatus';
import { retryOnConflict } from '../errors/retryOnConflict';
import { repositoryKey } from './tableKeys';

/** One lock acr-guard placed on a bypassing image (`Locks` table: PartitionKey = digest, RowKey = repository). */
export interface LockRecord {
    readonly repository: string;
    readonly digest: string;
    /** The tags locked with it. */
    readonly tags: readonly string[];
    readonly lockedAt: string;
    readonly alertId: string;
}

interface LockEntity {
    partitionKey: string;
    rowKey: string;
    repository: string;
    tags: string;
    lockedAt: string;
    alertId: string;
}

export class LockStore {
    constructor(private readonly table: TableClient) {}

    async get(repository: string, digest: string): Promise<LockRecord | null> {
        return (await this.read(repository, digest))?.lock ?? null;
    }

    private async read(repository: string, digest: string): Promise<{ lock: LockRecord; etag: string } | null> {
        try {
            const e = await this.table.getEntity<LockEntity>(digest, repositoryKey(repository));
            return { lock: { repository: e.repository, digest: e.partitionKey, tags: JSON.parse(e.tags) as string[], lockedAt: e.lockedAt, alertId: e.alertId }, etag: e.etag };
        } catch (err) {
            if (isNotFound(err)) return null;
            throw err;
        }
    }

    /** Records (or extends with a tag) a lock; concurrent writers merge tags under the ETag. */
    async record(lock: LockRecord): Promise<void> {
        await retryOnConflict(async () => {
            const read = await this.read(lock.repository, lock.digest);
            const current = read?.lock;
            const tags = [...new Set([...(current?.tags ?? []), ...lock.tags])];
            const entity: LockEntity = {
                partitionKey: lock.digest,
                rowKey: repositoryKey(lock.repository),
                repository: lock.repository,
                tags: JSON.stringify(tags),
                lockedAt: current?.lockedAt ?? lock.lockedAt,
                alertId: lock.alertId,
            };
            if (!read) await this.table.createEntity(entity);
            else await this.table.updateEntity(entity, 'Replace', { etag: read.etag });
        }, { what: `lock row ${lock.repository}@${lock.digest}`, maxAttempts: 20 });
    }
}
