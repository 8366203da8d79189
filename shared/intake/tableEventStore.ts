import { odata, RestError, type TableClient, type TableEntityResult } from '@azure/data-tables';
import type { PartialRegistryEvent, RegistryEvent } from '../events/registryEvent';
import type { ClaimResult, DigestEntry, EventKey, EventRecord, EventState, RegistryEventStore } from './eventStore';
import type { Route } from './route';

/*
 * Layout of the RegistryEvents table (both row kinds are point-addressable):
 *   event row   PartitionKey "event:<id>"       RowKey "<slot>"              one per received event
 *   digest row  PartitionKey "digest:<digest>"  RowKey "<slot>:<id>"         one per image event acted on
 * The event row gives the dedup conditional insert and a point read by event id; partitioning by
 * id spreads writes. The digest rows put every event of one digest in one partition, so "was
 * this digest pushed into live, by which event" is a single-partition query.
 * Keys are URI-encoded: table keys may not contain / \ # ? or control characters.
 */

/** String properties hold at most 32K UTF-16 characters. */
const MAX_RAW = 30_000;

const encodeKey = (value: string) => encodeURIComponent(value);
const eventPartition = (id: string) => `event:${encodeKey(id)}`;
const digestPartition = (digest: string) => `digest:${digest}`;

interface EventEntity {
    partitionKey: string;
    rowKey: string;
    eventId: string;
    slot: string;
    route: string;
    reason: string;
    state: string;
    event: string;
    warnings: string;
    raw?: string;
    receivedAt: string;
    scanRequestId?: string;
    // Queryable copies of the main fields (the full event is in `event`).
    eventType?: string;
    repository?: string;
    digest?: string;
    completedAt?: string;
}

type DigestEntity = { partitionKey: string; rowKey: string } & Omit<DigestEntry, 'registry' | 'tag' | 'time'> & {
    registry?: string;
    tag?: string;
    time?: string;
};

const isStatus = (err: unknown, status: number) => err instanceof RestError && err.statusCode === status;

function toEntity(record: EventRecord): EventEntity {
    const entity: EventEntity = {
        partitionKey: eventPartition(record.key.id),
        rowKey: encodeKey(record.key.slot),
        eventId: record.key.id,
        slot: record.key.slot,
        route: record.route,
        reason: record.reason,
        state: record.state,
        event: JSON.stringify(record.event),
        warnings: JSON.stringify(record.warnings),
        receivedAt: record.receivedAt,
    };
    if (record.raw !== null) entity.raw = record.raw.slice(0, MAX_RAW);
    if (record.scanRequestId) entity.scanRequestId = record.scanRequestId;
    if (record.event.type) entity.eventType = record.event.type;
    if (record.event.repository) entity.repository = record.event.repository;
    if (record.event.digest) entity.digest = record.event.digest;
    if (record.state === 'done') entity.completedAt = record.receivedAt;
    return entity;
}

function fromEntity(entity: TableEntityResult<EventEntity>): EventRecord {
    return {
        key: { id: entity.eventId, slot: entity.slot },
        route: entity.route as Route,
        reason: entity.reason,
        state: entity.state as EventState,
        event: JSON.parse(entity.event) as RegistryEvent | PartialRegistryEvent,
        warnings: JSON.parse(entity.warnings) as string[],
        raw: entity.raw ?? null,
        receivedAt: entity.receivedAt,
        scanRequestId: entity.scanRequestId ?? null,
    };
}

export class TableRegistryEventStore implements RegistryEventStore {
    private ready: Promise<void> | undefined;

    constructor(
        private readonly table: TableClient,
        private readonly now: () => Date = () => new Date(),
    ) {}

    /** Creates the table once per instance (a no-op when infra/ already did); retried after a failure. */
    private ensureTable(): Promise<void> {
        this.ready ??= this.table.createTable().catch((err: unknown) => {
            this.ready = undefined;
            throw err;
        });
        return this.ready;
    }

    async claim(record: EventRecord): Promise<ClaimResult> {
        await this.ensureTable();
        try {
            await this.table.createEntity(toEntity(record));
            return { claimed: true };
        } catch (err) {
            if (!isStatus(err, 409)) throw err;
        }
        const existing = await this.get(record.key);
        if (!existing) throw new Error(`event ${record.key.id} conflicted on insert but cannot be read back`);
        return { claimed: false, existing };
    }

    async markDone(key: EventKey): Promise<void> {
        await this.ensureTable();
        await this.table.updateEntity(
            { partitionKey: eventPartition(key.id), rowKey: encodeKey(key.slot), state: 'done', completedAt: this.now().toISOString() },
            'Merge',
        );
    }

    async get(key: EventKey): Promise<EventRecord | undefined> {
        await this.ensureTable();
        try {
            return fromEntity(await this.table.getEntity<EventEntity>(eventPartition(key.id), encodeKey(key.slot)));
        } catch (err) {
            if (isStatus(err, 404)) return undefined;
            throw err;
        }
    }

    async recordDigest(entry: DigestEntry): Promise<void> {
        await this.ensureTable();
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
        await this.ensureTable();
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
