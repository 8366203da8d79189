import { odata, type TableClient, type TableEntityResult } from '@azure/data-tables';
import { hasStatus as isStatus } from '../errors/restStatus';
import { retryOnConflict } from '../errors/retryOnConflict';
import { isUndelivered, type Alert, type AlertKind, type AlertState, type AlertSubject } from './alert';

/**
 * The `Alerts` table. One row per alert: PartitionKey = alertId (spreads writes, point reads by
 * id), RowKey = 'alert'. Structured parts that are never filtered on (details, detectedBy,
 * deliveries) are JSON columns; kind, state, lastSeen and undelivered are columns so the
 * queries can filter server-side. Every change is a read-modify-write under the row's ETag.
 */
const ROW_KEY = 'alert';
const SCHEMA_VERSION = 1;
const MAX_CONFLICT_RETRIES = 25;

/** A row: the alert plus the delivery lease (who is delivering it until when). */
export interface StoredAlert {
    readonly alert: Alert;
    /** While in the future, some raise()/redeliverPending() is delivering this alert: others keep off. */
    readonly claimedUntil: string | null;
}

export interface AlertQuery {
    readonly kind?: AlertKind;
    readonly state?: AlertState;
    /** Alerts last seen at or after this time. */
    readonly since?: Date;
}

interface AlertEntity {
    partitionKey: string;
    rowKey: string;
    schemaVersion: number;
    kind: string;
    severity: string;
    dedupKey: string;
    registry: string;
    repository: string;
    tag?: string;
    digest: string;
    title: string;
    message: string;
    details: string;
    detectedBy: string;
    firstSeen: Date;
    lastSeen: Date;
    occurrences: number;
    state: string;
    stateChangedAt: Date;
    deliveries: string;
    undelivered: boolean;
    claimedUntil?: Date;
}

const iso = (value: unknown): string => new Date(value as string | Date).toISOString();

function toEntity(stored: StoredAlert): AlertEntity {
    const a = stored.alert;
    return {
        partitionKey: a.alertId,
        rowKey: ROW_KEY,
        schemaVersion: SCHEMA_VERSION,
        kind: a.kind,
        severity: a.severity,
        dedupKey: a.dedupKey,
        registry: a.subject.registry,
        repository: a.subject.repository,
        ...(a.subject.tag ? { tag: a.subject.tag } : {}),
        digest: a.subject.digest,
        title: a.title,
        message: a.message,
        details: JSON.stringify(a.details),
        detectedBy: JSON.stringify(a.detectedBy),
        firstSeen: new Date(a.firstSeen),
        lastSeen: new Date(a.lastSeen),
        occurrences: a.occurrences,
        state: a.state,
        stateChangedAt: new Date(a.stateChangedAt),
        deliveries: JSON.stringify(a.deliveries),
        undelivered: isUndelivered(a),
        ...(stored.claimedUntil ? { claimedUntil: new Date(stored.claimedUntil) } : {}),
    };
}

function fromEntity(e: TableEntityResult<Record<string, unknown>>): StoredAlert {
    const subject: AlertSubject = {
        registry: String(e.registry),
        repository: String(e.repository),
        tag: typeof e.tag === 'string' && e.tag !== '' ? e.tag : null,
        digest: String(e.digest),
    };
    return {
        alert: {
            alertId: e.partitionKey as string,
            kind: String(e.kind),
            severity: e.severity as Alert['severity'],
            dedupKey: String(e.dedupKey),
            subject,
            details: JSON.parse(String(e.details)) as Alert['details'],
            detectedBy: JSON.parse(String(e.detectedBy)) as Alert['detectedBy'],
            title: String(e.title),
            message: String(e.message),
            firstSeen: iso(e.firstSeen),
            lastSeen: iso(e.lastSeen),
            occurrences: Number(e.occurrences),
            state: e.state as AlertState,
            stateChangedAt: iso(e.stateChangedAt),
            deliveries: JSON.parse(String(e.deliveries)) as Alert['deliveries'],
        },
        claimedUntil: e.claimedUntil ? iso(e.claimedUntil) : null,
    };
}


export class AlertStore {
    constructor(private readonly table: TableClient) {}

    /** Conditional insert: true if this call created the row, false if the alert already exists. */
    async insert(stored: StoredAlert): Promise<boolean> {
        try {
            await this.table.createEntity(toEntity(stored));
            return true;
        } catch (err) {
            if (isStatus(err, 409)) return false;
            throw err;
        }
    }

    async read(alertId: string): Promise<StoredAlert | undefined> {
        return (await this.readWithEtag(alertId))?.stored;
    }

    private async readWithEtag(alertId: string): Promise<{ stored: StoredAlert; etag: string } | undefined> {
        try {
            const e = await this.table.getEntity<Record<string, unknown>>(alertId, ROW_KEY);
            return { stored: fromEntity(e), etag: e.etag };
        } catch (err) {
            if (isStatus(err, 404)) return undefined;
            throw err;
        }
    }

    /**
     * Optimistic read-modify-write: `change` gets the current row and returns the new one, or
     * undefined to leave it alone. On an ETag conflict (412) it re-reads and asks again, so
     * `change` must be a pure function of the row. Returns the row as written (or as found).
     */
    async update(alertId: string, change: (current: StoredAlert) => StoredAlert | undefined): Promise<StoredAlert | undefined> {
        return retryOnConflict(
            async () => {
                const current = await this.readWithEtag(alertId);
                if (!current) return undefined;
                const next = change(current.stored);
                if (!next) return current.stored;
                await this.table.updateEntity(toEntity(next), 'Replace', { etag: current.etag });
                return next;
            },
            { what: `alert ${alertId}`, maxAttempts: MAX_CONFLICT_RETRIES, isConflict: (err) => isStatus(err, 412) },
        );
    }

    async list(query: AlertQuery = {}): Promise<StoredAlert[]> {
        const clauses: string[] = [odata`RowKey eq ${ROW_KEY}`];
        if (query.kind) clauses.push(odata`kind eq ${query.kind}`);
        if (query.state) clauses.push(odata`state eq ${query.state}`);
        if (query.since) clauses.push(odata`lastSeen ge ${query.since}`);
        return this.query(clauses.join(' and '));
    }

    async listUndelivered(): Promise<StoredAlert[]> {
        return this.query(odata`RowKey eq ${ROW_KEY} and undelivered eq ${true}`);
    }

    private async query(filter: string): Promise<StoredAlert[]> {
        const out: StoredAlert[] = [];
        for await (const e of this.table.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
            out.push(fromEntity(e));
        }
        // Newest first: what an operator looks at.
        return out.sort((a, b) => b.alert.lastSeen.localeCompare(a.alert.lastSeen));
    }
}
