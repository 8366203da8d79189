import type { LogsQueryResult, LogsTable, QueryTimeInterval } from '@azure/monitor-query-logs';
import { checkDigest, checkRepository, checkTag } from '../oci/reference';
import type { BypassResponder } from './bypassResponder';
import { buildLiveWritesQuery, UnsafeQueryValue } from './liveWritesQuery';
import type { CheckpointStore } from './checkpointStore';
import { countsAsPromotion, type PromotionLedger } from './promotionLedger';

/** The slice of LogsQueryClient the reconciler uses (LogsQueryClient satisfies it). */
export interface ResourceLogs {
    queryResource(resourceId: string, query: string, timespan: QueryTimeInterval, options?: { serverTimeoutInSeconds?: number }): Promise<LogsQueryResult>;
}

export interface ReconcilerOptions {
    /** ARM id of the registry: the resource-context query scope. Validated. */
    readonly registryResourceId: string;
    readonly livePrefix: string;
    readonly lookbackMinutes: number;
    readonly overlapMinutes: number;
    readonly maxRows?: number;
    readonly now?: () => Date;
    readonly log?: { info(m: string): void; warn(m: string): void };
}

export interface ReconciliationReport {
    readonly window: { readonly start: string; readonly end: string };
    readonly query: string;
    readonly rows: number;
    /** Rows whose repository/digest/tag failed validation (logged, skipped). */
    readonly invalidRows: number;
    readonly images: number;
    readonly promoted: number;
    readonly bypasses: number;
    /** Bypasses that were not alerted before (the event path missed them). */
    readonly newAlerts: number;
    readonly checkpoint: string | null;
}

const REGISTRY_ID = /^\/subscriptions\/[A-Za-z0-9-]{1,64}\/resourceGroups\/[-\w.()]{1,90}\/providers\/Microsoft\.ContainerRegistry\/registries\/[A-Za-z0-9]{1,50}$/i;
const MINUTE = 60_000;

interface LiveWrite {
    readonly time: string | null;
    readonly operation: string | null;
    readonly repository: string;
    readonly tag: string | null;
    readonly digest: string;
    readonly identity: string | null;
    readonly userAgent: string | null;
    readonly loginServer: string | null;
    readonly correlationId: string | null;
}

const asText = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
const asTime = (v: unknown): string | null => (v instanceof Date && !Number.isNaN(v.getTime()) ? v.toISOString() : asText(v));

/**
 * Reconciliation against ACR's resource logs: reads every push and import into live/ over
 * [checkpoint - overlap, now) and raises the same bypass response as the event path
 * (detectedBy `reconciliation`) for any digest with no promotion into its repository. This
 * catches imports that emit no Event Grid event and deliveries that never arrived. The checkpoint
 * only advances after every row was handled, so a failed run is read again.
 */
export class Reconciler {
    private readonly now: () => Date;
    private readonly maxRows: number;

    constructor(
        private readonly deps: { logs: ResourceLogs; ledger: Pick<PromotionLedger, 'find'>; responder: BypassResponder; checkpoints: CheckpointStore },
        private readonly options: ReconcilerOptions,
    ) {
        if (!REGISTRY_ID.test(options.registryResourceId)) throw new UnsafeQueryValue('the registry resource id is not a Microsoft.ContainerRegistry/registries ARM id');
        this.now = options.now ?? (() => new Date());
        this.maxRows = options.maxRows ?? 5000;
    }

    async run(): Promise<ReconciliationReport> {
        const end = this.now();
        const earliest = new Date(end.getTime() - this.options.lookbackMinutes * MINUTE);
        const checkpoint = await this.deps.checkpoints.get(this.options.registryResourceId);
        // After a complete read, go back by the overlap (resource logs arrive late); after a capped
        // one, continue where it stopped.
        const fromCheckpoint = checkpoint ? new Date(checkpoint.at.getTime() - (checkpoint.complete ? this.options.overlapMinutes * MINUTE : 0)) : earliest;
        const start = fromCheckpoint < earliest ? earliest : fromCheckpoint;
        const query = buildLiveWritesQuery({ livePrefix: this.options.livePrefix, start, end, maxRows: this.maxRows });

        // The SDK expands `/{+resourceId}/query` after `<endpoint>/v1`: a leading slash would put
        // `//subscriptions` on the wire; without it the path is the documented /v1/subscriptions/.../query.
        const result = await this.deps.logs.queryResource(this.options.registryResourceId.replace(/^\/+/, ''), query, { startTime: start, endTime: end }, { serverTimeoutInSeconds: 120 });
        const tables = result.status === 'Success' ? result.tables : result.partialTables;
        const rows = tables.flatMap((t) => readRows(t));
        const writes: LiveWrite[] = [];
        let invalidRows = 0;
        for (const row of rows) {
            const write = this.validate(row);
            if (write) writes.push(write);
            else invalidRows += 1;
        }

        // One check per (repository, digest); the first row carries the details, later tags merge in the alert.
        const images = new Map<string, LiveWrite[]>();
        for (const w of writes) images.set(`${w.repository}@${w.digest}`, [...(images.get(`${w.repository}@${w.digest}`) ?? []), w]);
        let promoted = 0;
        let bypasses = 0;
        let newAlerts = 0;
        for (const group of images.values()) {
            const first = group[0]!;
            if (countsAsPromotion(await this.deps.ledger.find(first.repository, first.digest))) {
                promoted += 1;
                continue;
            }
            bypasses += 1;
            const tags = [...new Set(group.map((w) => w.tag))];
            for (const tag of tags) {
                const w = group.find((x) => x.tag === tag)!;
                const response = await this.deps.responder.respond({
                    repository: w.repository,
                    digest: w.digest,
                    tag: w.tag,
                    actor: w.identity,
                    userAgent: w.userAgent,
                    requestHost: w.loginServer,
                    time: w.time,
                    operation: w.operation,
                    sourceId: w.correlationId,
                    detectedBy: 'reconciliation',
                });
                if (response.newAlert) newAlerts += 1;
            }
        }

        let next: Date | null = null;
        if (result.status === 'Success') {
            // A capped answer may have left rows out: the next run continues from the last row read
            // (any row, valid or not: all were handled), re-reading that instant (the alerts dedup)
            // unless that would not move the window at all.
            const last = rows.length >= this.maxRows ? asTime(rows[rows.length - 1]!.TimeGenerated) : null;
            const lastAt = last ? new Date(last) : null;
            const capped = lastAt !== null && !Number.isNaN(lastAt.getTime());
            next = capped ? (lastAt > start ? lastAt : new Date(lastAt.getTime() + 1)) : end;
            await this.deps.checkpoints.set(this.options.registryResourceId, { at: next, complete: !capped });
        }
        const report: ReconciliationReport = {
            window: { start: start.toISOString(), end: end.toISOString() },
            query,
            rows: rows.length,
            invalidRows,
            images: images.size,
            promoted,
            bypasses,
            newAlerts,
            checkpoint: next?.toISOString() ?? null,
        };
        if (invalidRows > 0) this.options.log?.warn(`reconciliation skipped ${invalidRows} log row(s) with an invalid repository, digest or tag`);
        if (result.status !== 'Success') {
            throw new Error(`Log Analytics answered a partial result (${result.partialError.message}); handled ${rows.length} row(s), checkpoint not advanced`);
        }
        this.options.log?.info(`reconciliation ${report.window.start}..${report.window.end}: ${report.rows} row(s), ${report.bypasses} bypass(es), ${report.newAlerts} new alert(s)`);
        return report;
    }

    /** A row from the log is outside input: every value that reaches a key, an alert or the registry is validated. */
    private validate(row: Record<string, unknown>): LiveWrite | null {
        const repository = asText(row.Repository);
        const digest = asText(row.Digest);
        const tag = asText(row.Tag);
        if (!repository || !checkRepository(repository).ok || !repository.startsWith(this.options.livePrefix)) return null;
        if (!digest || !checkDigest(digest).ok) return null;
        if (tag !== null && !checkTag(tag).ok) return null;
        return {
            time: asTime(row.TimeGenerated),
            operation: asText(row.OperationName),
            repository,
            tag,
            digest,
            identity: asText(row.Identity),
            userAgent: asText(row.UserAgent),
            loginServer: asText(row.LoginServer),
            correlationId: asText(row.CorrelationId),
        };
    }
}

function readRows(table: LogsTable): Record<string, unknown>[] {
    const names = table.columnDescriptors.map((c) => c.name ?? '');
    return table.rows.map((row) => Object.fromEntries(names.map((n, i) => [n, row[i]])));
}
