import { odata, type TableClient, type TableEntityResult } from '@azure/data-tables';
import { hasStatus as isStatus } from '../errors/restStatus';
import type { PartialRegistryEvent, RegistryEvent } from '../events/registryEvent';
import { GroupCommit } from '../storage/groupCommit';
import type { DigestEntry, EventKey, EventRecord, RegistryEventStore } from './eventStore';
import type { Route } from './route';

/*
 * Layout of the RegistryEvents table (both row kinds are point-addressable):
 *   event row   PartitionKey "event"            RowKey "<id>:<slot>"    one per handled event
 *   digest row  PartitionKey "digest:<digest>"  RowKey "<slot>:<id>"    one per live push / image delete
 * Event rows share one partition so concurrent events are read (one filter with up to 14
 * RowKeys) and inserted (one entity group transaction) together: group commit cuts round trips
 * under load. One partition serves ~2,000 entities/s, far above a registry's push rate. The
 * digest rows put every event of one digest in one partition, so "was this digest pushed into
 * live, by which event" is a single-partition query.
 * Keys are URI-encoded (":" included): table keys may not contain / \ # ? or control characters.
 */

/** String properties hold at most 32K UTF-16 characters. */
const MAX_RAW = 30_000;

const encodeKey = (value: string) => encodeURIComponent(value);
const EVENT_PARTITION = 'event';
const eventRowKey = (key: EventKey) => `${encodeKey(key.id)}:${encodeKey(key.slot)}`;
/** Azure Tables allows 15 comparisons per filter: PartitionKey plus 14 RowKeys. */
const MAX_KEYS_PER_QUERY = 14;
/** Entity group transactions hold up to 100 entities and 4 MiB; rows are at most ~64 KiB. */
const MAX_ENTITIES_PER_TRANSACTION = 50;
const digestPartition = (digest: string) => `digest:${digest}`;

type EventEntity = {
    partitionKey: string;
    rowKey: string;
    eventId: string;
    slot: string;
    route: string;
    reason: string;
    event: string;
    warnings: string;
    raw?: string;
    receivedAt: string;
    scanRequestId?: string;
    // Queryable copies of the main fields (the full event is in `event`).
    eventType?: string;
    repository?: string;
    digest?: string;
};

type DigestEntity = { partitionKey: string; rowKey: string } & Omit<DigestEntry, 'registry' | 'tag' | 'time'> & {
    registry?: string;
    tag?: string;
    time?: string;
};


function toEntity(record: EventRecord): EventEntity {
    const entity: EventEntity = {
        partitionKey: EVENT_PARTITION,
        rowKey: eventRowKey(record.key),
        eventId: record.key.id,
        slot: record.key.slot,
        route: record.route,
        reason: record.reason,
        event: JSON.stringify(record.event),
        warnings: JSON.stringify(record.warnings),
        receivedAt: record.receivedAt,
    };
    if (record.raw !== null) entity.raw = record.raw.slice(0, MAX_RAW);
    if (record.scanRequestId) entity.scanRequestId = record.scanRequestId;
    if (record.event.type) entity.eventType = record.event.type;
    if (record.event.repository) entity.repository = record.event.repository;
    if (record.event.digest) entity.digest = record.event.digest;
    return entity;
}

function fromEntity(entity: TableEntityResult<EventEntity>): EventRecord {
    return {
        key: { id: entity.eventId, slot: entity.slot },
        route: entity.route as Route,
        reason: entity.reason,
        event: JSON.parse(entity.event) as RegistryEvent | PartialRegistryEvent,
        warnings: JSON.parse(entity.warnings) as string[],
        raw: entity.raw ?? null,
        receivedAt: entity.receivedAt,
        scanRequestId: entity.scanRequestId ?? null,
    };
}

export class TableRegistryEventStore implements RegistryEventStore {
    private readonly reads: GroupCommit<EventKey, EventRecord | undefined>;
    private readonly inserts: GroupCommit<EventRecord, boolean>;

    constructor(private readonly table: TableClient) {
        this.reads = new GroupCommit((keys) => this.readMany(keys), { maxBatch: MAX_KEYS_PER_QUERY * 4, maxInFlight: 2 });
        this.inserts = new GroupCommit((records) => this.insertMany(records), { maxBatch: MAX_ENTITIES_PER_TRANSACTION, maxInFlight: 2 });
    }

    async get(key: EventKey): Promise<EventRecord | undefined> {
        return this.reads.submit(key);
    }

    async insert(record: EventRecord): Promise<boolean> {
        return this.inserts.submit(record);
    }

    private async readOne(key: EventKey): Promise<EventRecord | undefined> {
        try {
            return fromEntity(await this.table.getEntity<EventEntity>(EVENT_PARTITION, eventRowKey(key)));
        } catch (err) {
            if (isStatus(err, 404)) return undefined;
            throw err;
        }
    }

    private async readMany(keys: EventKey[]): Promise<Array<EventRecord | undefined>> {
        if (keys.length === 1) return [await this.readOne(keys[0]!)];
        const rowKeys = [...new Set(keys.map(eventRowKey))];
        const found = new Map<string, EventRecord>();
        const chunks = Array.from({ length: Math.ceil(rowKeys.length / MAX_KEYS_PER_QUERY) }, (_, i) =>
            rowKeys.slice(i * MAX_KEYS_PER_QUERY, (i + 1) * MAX_KEYS_PER_QUERY),
        );
        await Promise.all(
            chunks.map(async (chunk) => {
                const anyOf = chunk.map((rowKey) => odata`RowKey eq ${rowKey}`).join(' or ');
                const filter = `${odata`PartitionKey eq ${EVENT_PARTITION}`} and (${anyOf})`;
                for await (const row of this.table.listEntities<EventEntity>({ queryOptions: { filter } })) {
                    found.set(row.rowKey, fromEntity(row));
                }
            }),
        );
        return keys.map((key) => found.get(eventRowKey(key)));
    }

    private async insertOne(record: EventRecord): Promise<boolean | Error> {
        try {
            await this.table.createEntity(toEntity(record));
            return true;
        } catch (err) {
            if (isStatus(err, 409)) return false;
            return err instanceof Error ? err : new Error(String(err));
        }
    }

    /**
     * One transaction for the batch; if it fails as a whole (one event already recorded, the
     * same event twice in the batch, a transient error), each record is inserted on its own, so
     * every caller gets its own answer.
     */
    private async insertMany(records: EventRecord[]): Promise<Array<boolean | Error>> {
        const unique = new Set(records.map((r) => eventRowKey(r.key))).size === records.length;
        if (records.length > 1 && unique) {
            try {
                await this.table.submitTransaction(records.map((record) => ['create', toEntity(record)]));
                return records.map(() => true);
            } catch {
                // Fall through to single inserts.
            }
        }
        return Promise.all(records.map((record) => this.insertOne(record)));
    }

    async recordDigest(entry: DigestEntry): Promise<void> {
        const entity: DigestEntity = {
            partitionKey: digestPartition(entry.digest),
            rowKey: `${encodeKey(entry.eventType.split('.').pop() ?? entry.eventType)}:${encodeKey(entry.eventId)}`,
            digest: entry.digest,
            eventId: entry.eventId,
            eventType: entry.eventType,
            route: entry.route,
            repository: entry.repository,
        };
        if (entry.registry) entity.registry = entry.registry;
        if (entry.tag) entity.tag = entry.tag;
        if (entry.time) entity.time = entry.time;
        await this.table.upsertEntity(entity, 'Replace');
    }

    async findByDigest(digest: string): Promise<DigestEntry[]> {
        const found: DigestEntry[] = [];
        const rows = this.table.listEntities<DigestEntity>({
            queryOptions: { filter: odata`PartitionKey eq ${digestPartition(digest)}` },
        });
        for await (const row of rows) {
            found.push({
                digest: row.digest,
                eventId: row.eventId,
                eventType: row.eventType,
                route: row.route,
                registry: row.registry ?? null,
                repository: row.repository,
                tag: row.tag ?? null,
                time: row.time ?? null,
            });
        }
        return found;
    }
}
