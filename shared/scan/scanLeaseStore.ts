import type { TableClient } from '@azure/data-tables';
import { hasStatus } from '../errors/restStatus';
import type { VerdictOutcome } from '../policy/verdict';
import { encodeKeyPart, joinKey } from '../results/tableKeys';

/*
 * One scan per digest: the `ScanLeases` table. Two kinds of row, both in the digest's partition:
 *
 * - the LEASE (RowKey `lease`): who scans this digest now and how far they got. It is taken with a
 *   conditional insert (409 = someone else holds it), so of 20 concurrent deliveries for one digest
 *   exactly one schedules an ACR Task run; the others join. Every later change is ETag-guarded
 *   (412 = someone else changed it first). The run id is written here before the delayed check
 *   message is sent, so a redelivery finds the run instead of starting a second one.
 * - ANSWERS (RowKey `answer~<scanId>~<repository>~<tag>`): one per (recorded scan, repository, tag)
 *   whose verdict observers were told. Claimed with a conditional insert before the observers run
 *   and marked `answered` after they all succeeded, so duplicates of one request never promote (or
 *   alert) twice, and a request whose observers failed is told again on its redelivery.
 */

export type LeaseState =
    /** Taken; the run is being scheduled (a crash here leaves it until it expires). */
    | 'scheduling'
    /** The run (or, for an index, the children's scans) is under way: `runId` is set. */
    | 'running'
    /** One delivery is reading the finished run's report and recording the verdict. */
    | 'recording'
    /** The verdict is recorded: `scanId`, `outcome`, `finishedAt` say which. */
    | 'done';

export interface ScanLease {
    readonly digest: string;
    /** What is scanned: one image by digest, or an index through its children. */
    readonly kind: 'image' | 'index';
    readonly state: LeaseState;
    /** The request id that took the lease (its scan is recorded under this id). */
    readonly owner: string;
    /** The delivery currently in charge of the state (a delivery id: duplicates of one request are told apart). */
    readonly holder: string;
    /** When the current state was entered (an unfinished state older than its limit may be taken over). */
    readonly since: Date;
    readonly runId: string | null;
    /** The per-run nonce that binds the report in the run log to this run (never in a message). */
    readonly nonce: string | null;
    readonly platform: string | null;
    /** How many runs were scheduled for this lease (a failed run is replaced, up to a limit). */
    readonly attempts: number;
    readonly scanId: string | null;
    readonly outcome: VerdictOutcome | null;
    readonly finishedAt: Date | null;
    readonly etag: string;
}

export type LeaseChange = Partial<Omit<ScanLease, 'digest' | 'etag'>>;

export type AcquireResult = { readonly acquired: true; readonly lease: ScanLease } | { readonly acquired: false; readonly lease: ScanLease };

export type AnswerClaim =
    /** This claimant may tell the observers (first claim, or its own earlier claim). */
    | { readonly status: 'claimed' }
    /** The observers were told already for this scan, repository and tag. */
    | { readonly status: 'answered' }
    /** Someone else is telling them now (claimed `since`). */
    | { readonly status: 'busy'; readonly claimant: string; readonly since: Date };

export interface AnswerKey {
    readonly digest: string;
    readonly scanId: string;
    readonly repository: string;
    readonly tag: string | null;
}

const LEASE_ROW = 'lease';
const partitionOf = (digest: string) => encodeKeyPart(digest);
const answerRow = (key: AnswerKey) => joinKey('answer', encodeKeyPart(key.scanId), encodeKeyPart(key.repository), encodeKeyPart(key.tag ?? ''));

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const date = (v: unknown): Date | null => (v === undefined || v === null || v === '' ? null : new Date(v as string | Date));

function fromEntity(e: Record<string, unknown> & { etag: string }): ScanLease {
    return {
        digest: String(e['digest']),
        kind: e['kind'] === 'index' ? 'index' : 'image',
        state: String(e['state']) as LeaseState,
        owner: String(e['owner']),
        holder: String(e['holder']),
        since: new Date(e['since'] as string | Date),
        runId: str(e['runId']),
        nonce: str(e['nonce']),
        platform: str(e['platform']),
        attempts: typeof e['attempts'] === 'number' ? e['attempts'] : 0,
        scanId: str(e['scanId']),
        outcome: (str(e['outcome']) as VerdictOutcome | null) ?? null,
        finishedAt: date(e['finishedAt']),
        etag: e.etag,
    };
}

function toEntity(lease: Omit<ScanLease, 'etag'>) {
    return {
        partitionKey: partitionOf(lease.digest),
        rowKey: LEASE_ROW,
        digest: lease.digest,
        kind: lease.kind,
        state: lease.state,
        owner: lease.owner,
        holder: lease.holder,
        since: lease.since,
        runId: lease.runId ?? '',
        nonce: lease.nonce ?? '',
        platform: lease.platform ?? '',
        attempts: lease.attempts,
        scanId: lease.scanId ?? '',
        outcome: lease.outcome ?? '',
        finishedAt: lease.finishedAt ?? '',
    };
}

/** Thrown by `change` when the lease changed under us (412): the caller re-reads and decides again. */
export class LeaseLost extends Error {
    constructor(readonly digest: string) {
        super(`the scan lease of ${digest} was changed by another delivery`);
    }
}

/** The ScanLeases table (shared/storage/names.ts `tables.scanLeases`). Never creates the table. */
export class ScanLeaseStore {
    constructor(private readonly table: TableClient) {}

    /** Takes the digest's lease with a conditional insert; when it exists, returns it as it is. */
    async acquire(digest: string, kind: ScanLease['kind'], owner: string, at: Date, platform: string | null): Promise<AcquireResult> {
        const fresh = { digest, kind, state: 'scheduling' as const, owner, holder: owner, since: at, runId: null, nonce: null, platform, attempts: 0, scanId: null, outcome: null, finishedAt: null };
        try {
            const created = await this.table.createEntity(toEntity(fresh));
            return { acquired: true, lease: { ...fresh, etag: created.etag ?? '' } };
        } catch (err) {
            if (!hasStatus(err, 409)) throw err;
        }
        const existing = await this.get(digest);
        if (!existing) return this.acquire(digest, kind, owner, at, platform); // deleted in between: try again
        return { acquired: false, lease: existing };
    }

    async get(digest: string): Promise<ScanLease | null> {
        try {
            return fromEntity(await this.table.getEntity(partitionOf(digest), LEASE_ROW));
        } catch (err) {
            if (hasStatus(err, 404)) return null;
            throw err;
        }
    }

    /** ETag-guarded replace of the lease; throws LeaseLost when another delivery changed it first. */
    async change(lease: ScanLease, change: LeaseChange): Promise<ScanLease> {
        const { etag: _etag, ...current } = lease;
        const next = { ...current, ...change };
        try {
            const written = await this.table.updateEntity(toEntity(next), 'Replace', { etag: lease.etag });
            return { ...next, etag: written.etag ?? '' };
        } catch (err) {
            if (hasStatus(err, 412, 404)) throw new LeaseLost(lease.digest);
            throw err;
        }
    }

    /** Claims the telling of observers for one scan, repository and tag (see the file comment). */
    async claimAnswer(key: AnswerKey, claimant: string, at: Date, staleAfterMs: number): Promise<AnswerClaim> {
        const partitionKey = partitionOf(key.digest);
        const rowKey = answerRow(key);
        try {
            await this.table.createEntity({ partitionKey, rowKey, state: 'claimed', claimant, since: at });
            return { status: 'claimed' };
        } catch (err) {
            if (!hasStatus(err, 409)) throw err;
        }
        let row;
        try {
            row = await this.table.getEntity<{ state?: string; claimant?: string; since?: string | Date }>(partitionKey, rowKey);
        } catch (err) {
            if (!hasStatus(err, 404)) throw err;
            return this.claimAnswer(key, claimant, at, staleAfterMs); // released in between: claim again
        }
        if (row.state === 'answered') return { status: 'answered' };
        const since = new Date(row.since ?? 0);
        if (row.claimant === claimant || at.getTime() - since.getTime() > staleAfterMs) {
            // An abandoned claim (its delivery died while telling the observers).
            try {
                await this.table.updateEntity({ partitionKey, rowKey, state: 'claimed', claimant, since: at }, 'Replace', { etag: row.etag });
                return { status: 'claimed' };
            } catch (err) {
                if (!hasStatus(err, 412)) throw err;
                return this.claimAnswer(key, claimant, at, staleAfterMs);
            }
        }
        return { status: 'busy', claimant: row.claimant ?? '', since };
    }

    /** Gives a claim back (its observers failed): the next delivery claims at once. Only the claimant's own claim is removed. */
    async releaseAnswer(key: AnswerKey, claimant: string): Promise<void> {
        const partitionKey = partitionOf(key.digest);
        const rowKey = answerRow(key);
        const row = await this.table.getEntity<{ state?: string; claimant?: string }>(partitionKey, rowKey);
        if (row.state !== 'claimed' || row.claimant !== claimant) return;
        await this.table.deleteEntity(partitionKey, rowKey, { etag: row.etag });
    }

    async markAnswered(key: AnswerKey, at: Date): Promise<void> {
        await this.table.upsertEntity({ partitionKey: partitionOf(key.digest), rowKey: answerRow(key), state: 'answered', claimant: '', since: at }, 'Replace');
    }
}
