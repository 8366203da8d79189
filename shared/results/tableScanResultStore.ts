import { odata, type TableClient, type TableEntity, type TransactionAction } from '@azure/data-tables';
import { hasStatus as isStatus } from '../errors/restStatus';
import { retryOnConflict } from '../errors/retryOnConflict';
import { assertValid, checkDigest, checkRegistry, checkRepository, checkTag } from '../oci/reference';
import type { StorageConnection } from '../config/storageConnection';
import { createTableClient } from '../storage/storageClients';
import { tables } from '../storage/names';
import { emptyCounts, countFindings } from './findingCounts';
import { findingEntity, groupFindings, storedFinding, type FindingRow } from './findingRows';
import { imageWithVulnerability, indexEntities, indexKeys, indexQuery } from './indexRows';
import type {
    ImageWithVulnerability,
    RecordOutcome,
    ScanRecord,
    ScanResultStore,
    ScanSummary,
    StoredFinding,
    KnownSummary,
    SummarySnapshot,
} from './scanResultStore';
import { mergeTags, scanSummary, SUMMARY_ROW, summaryEntity, summaryPartition } from './summaryEntity';
import { generationTime, KEY_SEPARATOR, newGeneration, rowKeyRange } from './tableKeys';
import { toNumber } from './entityValues';
import type { Finding } from '../trivy/finding';

/** The three tables behind the store, each with its own client (and round-trip counter). */
export interface ScanResultTables {
    /** One summary entity per image digest. */
    readonly summaries: TableClient;
    /** One row per vulnerability, one partition per digest. */
    readonly findings: TableClient;
    /** One row per (vulnerability id, digest) in a partition per id bucket. */
    readonly index: TableClient;
}

export interface TableScanResultStoreOptions {
    /** Batches in flight at once for one recordScan (default 4). */
    readonly batchConcurrency?: number;
    /**
     * Rows of a generation that never became current are left alone this long (default 15 min):
     * a concurrent writer may still be about to flip the summary to them. Older ones are reaped.
     */
    readonly abandonedAfterMs?: number;
    /** Attempts at the ETag-guarded summary write before giving up (default 10). */
    readonly maxSummaryAttempts?: number;
    readonly now?: () => Date;
}


type CurrentSummary = SummarySnapshot;

const BATCH = 100;

/** The pass/fail verdict already stored is newer than this scan: this scan must not replace it. */
const supersedes = (current: ScanSummary, scan: ScanRecord) =>
    current.generation !== null && current.scannedAt.getTime() > scan.scannedAt.getTime();

function validateScan(scan: ScanRecord): void {
    assertValid(checkDigest(scan.digest));
    assertValid(checkRepository(scan.repository));
    assertValid(checkRegistry(scan.registry));
    if (scan.tag !== null) assertValid(checkTag(scan.tag));
    if (!(scan.scannedAt instanceof Date) || Number.isNaN(scan.scannedAt.getTime())) throw new Error('scannedAt is not a valid date');
    if (scan.scanId.trim() === '') throw new Error('scanId is empty');
}

/** Row identity → rank (first appearance, report order) of the rows holding the new findings. */
function newRowRanks(newFindings: readonly Finding[] | undefined): Map<string, number> {
    const ranks = new Map<string, number>();
    for (const row of groupFindings(newFindings ?? [])) ranks.set(row.identity, ranks.size);
    return ranks;
}

async function forEachLimit<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            const item = items[next++] as T;
            await work(item);
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function chunksByPartition<T extends { partitionKey: string }>(entities: readonly T[]): T[][] {
    const byPartition = new Map<string, T[]>();
    for (const e of entities) {
        const list = byPartition.get(e.partitionKey) ?? [];
        list.push(e);
        byPartition.set(e.partitionKey, list);
    }
    const chunks: T[][] = [];
    for (const list of byPartition.values()) for (let i = 0; i < list.length; i += BATCH) chunks.push(list.slice(i, i + BATCH));
    return chunks;
}

/**
 * ScanResultStore on Azure Table storage. How a scan is written, so that a crash at any point
 * leaves a readable, recoverable state and a rescan replaces instead of duplicating:
 *
 * 1. Read the summary (and its ETag). An `error` verdict only sets lastError when a good verdict
 *    exists (it is never erased); a scan older than the stored good one only merges its tag.
 * 2. Write every vulnerability row under a fresh generation G (row key `G~id~hash`), in batch
 *    transactions of up to 100 rows of the digest's partition. Readers cannot see them yet: they
 *    read the generation the summary names.
 * 3. Upsert the index rows of this scan (additive: a crash here can only leave an extra index row,
 *    never hide an image that carries a vulnerability).
 * 4. Flip the summary to G with an ETag-guarded replace (create when new); on 412/409 re-read,
 *    merge tags, re-decide who is newer, retry.
 * 5. Clean up: delete the index rows of ids no surviving row has, then the rows of the replaced
 *    generation and of generations abandoned longer than abandonedAfterMs (crashed writers).
 *    Any crash before this step is repaired by the next recordScan of the same digest.
 */
export class TableScanResultStore implements ScanResultStore {
    private readonly batchConcurrency: number;
    private readonly abandonedAfterMs: number;
    private readonly maxSummaryAttempts: number;
    private readonly now: () => Date;

    constructor(
        private readonly tables: ScanResultTables,
        options: TableScanResultStoreOptions = {},
    ) {
        this.batchConcurrency = options.batchConcurrency ?? 4;
        this.abandonedAfterMs = options.abandonedAfterMs ?? 15 * 60_000;
        this.maxSummaryAttempts = options.maxSummaryAttempts ?? 10;
        this.now = options.now ?? (() => new Date());
    }

    /** Builds the store from the app's storage connection; table names default to shared/storage/names.ts. */
    static fromConnection(
        connection: StorageConnection,
        names: { summaries: string; findings: string; index: string } = {
            summaries: tables.scanSummaries,
            findings: tables.scanFindings,
            index: tables.vulnerabilityIndex,
        },
        options: TableScanResultStoreOptions = {},
    ): TableScanResultStore {
        return new TableScanResultStore(
            {
                summaries: createTableClient(connection, names.summaries),
                findings: createTableClient(connection, names.findings),
                index: createTableClient(connection, names.index),
            },
            options,
        );
    }

    async recordScan(scan: ScanRecord, known: KnownSummary = {}): Promise<RecordOutcome> {
        validateScan(scan);
        const partition = summaryPartition(scan.digest);
        // A snapshot the caller read is used as is: if it went stale, the ETag-guarded write fails
        // with 412 and the retry below reads again.
        let current = known.current !== undefined ? known.current : await this.readSummary(partition);
        if (scan.verdict.outcome === 'error') return this.recordError(scan, current);
        if (current && supersedes(current.summary, scan)) {
            await this.mergeTagsOnly(scan, current);
            return { status: 'superseded', keptLastGood: false, generation: current.summary.generation };
        }

        const generation = newGeneration(this.now());
        const rows = groupFindings(scan.findings);
        const newRanks = newRowRanks(scan.newFindings);
        // The generation is new, so its rows cannot exist yet: `create` (an insert) instead of an
        // upsert, which is several times cheaper on Azurite. A retried batch that had in fact been
        // committed answers 409 and is rewritten as upserts (see writeBatches).
        // Rows and index go out together: both must be complete before the flip, in any order.
        // The rows' first batches leave before the index is even built.
        // On a digest's first good scan its index rows are new too (a crashed writer's leftovers
        // answer 409 and that batch is rewritten as upserts).
        const firstScan = !current || current.summary.generation === null;
        let index: TableEntity[] = [];
        await Promise.all([
            this.writeBatches(this.tables.findings, rows.map((row) => findingEntity(partition, generation, row, newRanks.get(row.identity) ?? null)), 'create'),
            Promise.resolve().then(() => {
                index = indexEntities(scan, generation, rows);
                return this.writeBatches(this.tables.index, index, firstScan ? 'create' : 'upsert');
            }),
        ]);

        let contended = false;
        const superseded = await retryOnConflict(
            async (attempt): Promise<RecordOutcome | null> => {
                if (attempt > 1) {
                    contended = true;
                    current = await this.readSummary(partition);
                }
                if (current && supersedes(current.summary, scan)) {
                    // A newer scan won the race while we were writing: ours is dead, theirs stays.
                    await this.mergeTagsOnly(scan, current);
                    await this.cleanUp(scan.digest, current.summary.generation as string, [generation], null);
                    return { status: 'superseded', keptLastGood: false, generation: current.summary.generation };
                }
                const next = this.nextSummary(scan, generation, rows, current?.summary ?? null);
                if (current) await this.tables.summaries.updateEntity(summaryEntity(next), 'Replace', { etag: current.etag });
                else await this.tables.summaries.createEntity(summaryEntity(next));
                return null;
            },
            { what: `the summary of ${scan.digest}`, maxAttempts: this.maxSummaryAttempts },
        );
        if (superseded) return superseded;
        // Another writer of this digest may have cleaned index rows it believed dead: restate ours.
        if (contended) await this.writeBatches(this.tables.index, index, 'upsert');
        const replaced = current?.summary.generation ? [current.summary.generation] : [];
        await this.cleanUp(scan.digest, generation, replaced, new Set(rows.map((r) => r.finding.vulnerabilityId)));
        return { status: 'recorded', keptLastGood: false, generation };
    }

    async getSummary(digest: string): Promise<ScanSummary | null> {
        return (await this.readSummary(summaryPartition(digest)))?.summary ?? null;
    }

    getSummarySnapshot(digest: string): Promise<SummarySnapshot | null> {
        return this.readSummary(summaryPartition(digest));
    }

    async addTag(digest: string, tag: string, known: KnownSummary = {}): Promise<void> {
        assertValid(checkTag(tag));
        const current = known.current !== undefined ? known.current : await this.readSummary(summaryPartition(digest));
        if (!current) return;
        await this.mergeTagsOnly({ digest, tag }, current);
    }

    async listFindings(digest: string, known: KnownSummary = {}): Promise<StoredFinding[]> {
        const partition = summaryPartition(digest);
        for (let attempt = 1; ; attempt++) {
            const summary = attempt === 1 && known.current !== undefined ? known.current?.summary : (await this.readSummary(partition))?.summary;
            if (!summary?.generation) return [];
            const { from, to } = rowKeyRange(summary.generation);
            const found: StoredFinding[] = [];
            const entities = this.tables.findings.listEntities({
                queryOptions: { filter: odata`PartitionKey eq ${partition} and RowKey ge ${from} and RowKey lt ${to}` },
            });
            for await (const entity of entities) found.push(storedFinding(entity));
            // Fewer rows than the summary counts: a rescan replaced the generation while we read.
            if (found.length === summary.findingRows || attempt >= 3) return found;
        }
    }

    async listNewFindings(digest: string, generation: string): Promise<Finding[]> {
        const partition = summaryPartition(digest);
        const { from, to } = rowKeyRange(generation);
        const rows: { rank: number; finding: StoredFinding }[] = [];
        const entities = this.tables.findings.listEntities({
            queryOptions: { filter: odata`PartitionKey eq ${partition} and RowKey ge ${from} and RowKey lt ${to} and newRank ge ${0}` },
        });
        for await (const entity of entities) rows.push({ rank: toNumber(entity.newRank), finding: storedFinding(entity) });
        rows.sort((a, b) => a.rank - b.rank);
        return rows.flatMap(({ finding: { occurrences, ...finding } }) => Array.from({ length: Math.max(1, occurrences) }, () => finding));
    }

    async imagesWithVulnerability(vulnerabilityId: string): Promise<ImageWithVulnerability[]> {
        const { partitionKey, from, to } = indexQuery(vulnerabilityId);
        const found: ImageWithVulnerability[] = [];
        const entities = this.tables.index.listEntities({
            queryOptions: { filter: odata`PartitionKey eq ${partitionKey} and RowKey ge ${from} and RowKey lt ${to}` },
        });
        for await (const entity of entities) found.push(imageWithVulnerability(entity));
        return found;
    }

    async listSummaries(options: { repositoryPrefix?: string } = {}): Promise<ScanSummary[]> {
        const prefix = options.repositoryPrefix ?? '';
        let filter = odata`RowKey eq ${SUMMARY_ROW}`;
        if (prefix !== '') {
            // [prefix, prefix with its last character incremented) is every string starting with prefix.
            const upper = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
            filter += ' and ' + odata`repository ge ${prefix} and repository lt ${upper}`;
        }
        const found: ScanSummary[] = [];
        for await (const entity of this.tables.summaries.listEntities({ queryOptions: { filter } })) found.push(scanSummary(entity));
        return found;
    }

    private async readSummary(partition: string): Promise<CurrentSummary | null> {
        try {
            const entity = await this.tables.summaries.getEntity(partition, SUMMARY_ROW);
            return { summary: scanSummary(entity), etag: entity.etag };
        } catch (err) {
            if (isStatus(err, 404)) return null;
            throw err;
        }
    }

    private nextSummary(scan: ScanRecord, generation: string, rows: readonly FindingRow[], current: ScanSummary | null): ScanSummary {
        const previous =
            current && current.generation !== null && current.scanId !== scan.scanId
                ? { outcome: current.verdict.outcome, scanId: current.scanId, scannedAt: current.scannedAt }
                : (current?.previous ?? null);
        const lastError = current?.lastError && current.lastError.at.getTime() > scan.scannedAt.getTime() ? current.lastError : null;
        return {
            registry: scan.registry,
            repository: scan.repository,
            digest: scan.digest,
            tagsSeen: mergeTags(current?.tagsSeen ?? [], [scan.tag]),
            verdict: scan.verdict,
            reasonsTruncated: false,
            scanId: scan.scanId,
            scannedAt: scan.scannedAt,
            scanner: scan.scanner,
            os: scan.os,
            counts: countFindings(scan.findings),
            findingRows: rows.length,
            generation,
            previous,
            lastError,
            recordedAt: this.now(),
        };
    }

    /**
     * A failed scan: with a good verdict on record, only lastError (and the tag) change, so the
     * verdict and findings people rely on stay; without one, the summary says `error` (fail closed).
     */
    private async recordError(scan: ScanRecord, current: CurrentSummary | null): Promise<RecordOutcome> {
        const partition = summaryPartition(scan.digest);
        return retryOnConflict(async (attempt): Promise<RecordOutcome> => {
            if (attempt > 1) current = await this.readSummary(partition);
            const kept = current?.summary.generation != null;
            const lastError = { scanId: scan.scanId, at: scan.scannedAt, reasons: scan.verdict.reasons };
            const newerErrorOnRecord = current?.summary.lastError && current.summary.lastError.at.getTime() > scan.scannedAt.getTime();
            let next: ScanSummary;
            if (current && (kept || newerErrorOnRecord)) {
                next = {
                    ...current.summary,
                    tagsSeen: mergeTags(current.summary.tagsSeen, [scan.tag]),
                    lastError: newerErrorOnRecord ? current.summary.lastError : lastError,
                    recordedAt: this.now(),
                };
            } else {
                next = {
                    registry: scan.registry,
                    repository: scan.repository,
                    digest: scan.digest,
                    tagsSeen: mergeTags(current?.summary.tagsSeen ?? [], [scan.tag]),
                    verdict: scan.verdict,
                    reasonsTruncated: false,
                    scanId: scan.scanId,
                    scannedAt: scan.scannedAt,
                    scanner: scan.scanner,
                    os: scan.os,
                    counts: emptyCounts(),
                    findingRows: 0,
                    generation: null,
                    previous: null,
                    lastError,
                    recordedAt: this.now(),
                };
            }
            if (current) await this.tables.summaries.updateEntity(summaryEntity(next), 'Replace', { etag: current.etag });
            else await this.tables.summaries.createEntity(summaryEntity(next));
            return { status: 'error-recorded', keptLastGood: kept, generation: next.generation };
        }, { what: `the summary of ${scan.digest}`, maxAttempts: this.maxSummaryAttempts });
    }

    /** Adds this scan's tag to a summary that otherwise stays as it is (ETag-guarded, retried). */
    private async mergeTagsOnly(scan: Pick<ScanRecord, 'digest' | 'tag'>, current: CurrentSummary): Promise<void> {
        await retryOnConflict(
            async (attempt) => {
                const state = attempt === 1 ? current : await this.readSummary(summaryPartition(scan.digest));
                if (!state) return;
                const tagsSeen = mergeTags(state.summary.tagsSeen, [scan.tag]);
                if (tagsSeen.length === state.summary.tagsSeen.length) return;
                await this.tables.summaries.updateEntity(summaryEntity({ ...state.summary, tagsSeen }), 'Replace', { etag: state.etag });
            },
            { what: `the summary of ${scan.digest}`, maxAttempts: this.maxSummaryAttempts, isConflict: (err) => isStatus(err, 412) },
        );
    }

    /**
     * Deletes the rows of dead generations (the replaced one, named, and any older than
     * abandonedAfterMs), and before them the index rows of ids that no surviving row carries, so a
     * crash in between is repaired by the next run (which finds the same dead rows again).
     */
    private async cleanUp(
        digest: string,
        committed: string,
        deadGenerations: readonly string[],
        committedIds: ReadonlySet<string> | null,
    ): Promise<void> {
        const partition = summaryPartition(digest);
        const { from, to } = rowKeyRange(committed);
        // When we know the committed ids we only need the other generations' rows.
        const filter = committedIds
            ? odata`PartitionKey eq ${partition} and (RowKey lt ${from} or RowKey ge ${to})`
            : odata`PartitionKey eq ${partition}`;
        const cutoff = this.now().getTime() - this.abandonedAfterMs;
        const surviving = new Set(committedIds ?? []);
        const dead: { partitionKey: string; rowKey: string; vulnerabilityId: string }[] = [];
        const entities = this.tables.findings.listEntities<{ vulnerabilityId?: string }>({
            queryOptions: { filter, select: ['RowKey', 'vulnerabilityId'] },
        });
        for await (const e of entities) {
            const rowKey = e.rowKey;
            if (rowKey === undefined) continue;
            const generation = rowKey.split(KEY_SEPARATOR)[0] ?? '';
            const id = e.vulnerabilityId ?? '';
            const born = generationTime(generation)?.getTime() ?? 0;
            if (generation === committed) surviving.add(id);
            else if (deadGenerations.includes(generation) || born < cutoff) dead.push({ partitionKey: partition, rowKey, vulnerabilityId: id });
            else surviving.add(id); // a writer that may still flip: keep its rows and their index
        }
        const staleIds = [...new Set(dead.map((d) => d.vulnerabilityId))].filter((id) => id !== '' && !surviving.has(id));
        await this.deleteBatches(this.tables.index, staleIds.map((id) => indexKeys(id, digest)));
        await this.deleteBatches(this.tables.findings, dead);
    }

    private async writeBatches(client: TableClient, entities: readonly TableEntity[], mode: 'create' | 'upsert'): Promise<void> {
        const upserts = (chunk: readonly TableEntity[]) => chunk.map((e): TransactionAction => ['upsert', e, 'Replace']);
        await forEachLimit(chunksByPartition(entities), this.batchConcurrency, async (chunk) => {
            if (mode === 'upsert') {
                await client.submitTransaction(upserts(chunk));
                return;
            }
            try {
                await client.submitTransaction(chunk.map((e): TransactionAction => ['create', e]));
            } catch (err) {
                if (!isStatus(err, 409)) throw err;
                await client.submitTransaction(upserts(chunk));
            }
        });
    }

    /** Batched deletes; a batch that hits an already-deleted row falls back to single deletes. */
    private async deleteBatches(client: TableClient, keys: readonly { partitionKey: string; rowKey: string }[]): Promise<void> {
        await forEachLimit(chunksByPartition(keys), this.batchConcurrency, async (chunk) => {
            try {
                await client.submitTransaction(chunk.map((k): TransactionAction => ['delete', { partitionKey: k.partitionKey, rowKey: k.rowKey }]));
            } catch (err) {
                if (!isStatus(err, 404)) throw err;
                for (const k of chunk) {
                    try {
                        await client.deleteEntity(k.partitionKey, k.rowKey);
                    } catch (inner) {
                        if (!isStatus(inner, 404)) throw inner;
                    }
                }
            }
        });
    }
}
