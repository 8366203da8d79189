import { createHash, randomUUID } from 'node:crypto';
import type { ScanResultStore, ScanSummary } from '../results/scanResultStore';
import type { ScanRequestSink } from '../scan/scanRequestSink';
import { SCAN_REQUEST_SCHEMA, SCAN_REQUEST_VERSION, type ScanRequest } from '../scan/scanRequest';
import { newestDbVersion } from './dbVersion';
import type { LiveImageSource } from './liveImage';
import { decideRescan, type LastScan } from './rescanDecision';
import type { RescanLedger, RescanRunRecord } from './rescanLedger';

export type SelectionMode = 'all' | 'pulled';

export interface RescanSelectionOptions {
    readonly mode: SelectionMode;
    readonly source: LiveImageSource;
    readonly store: Pick<ScanResultStore, 'listSummaries'>;
    readonly ledger: RescanLedger;
    /** The `rescan-requests` queue (never `scan-requests`: pushes must not wait behind rescans). */
    readonly requests: ScanRequestSink;
    /** Login server written into the requests. */
    readonly registry: string;
    readonly minIntervalMs: number;
    readonly maxVerdictAgeMs: number;
    /** How many queued rescans become visible per minute (staggered visibility delays). */
    readonly perMinute: number;
    readonly now?: () => Date;
    readonly log?: { log(message: string): void };
}

/** A Storage queue message can be hidden for at most 7 days; keep a day of head room. */
export const MAX_VISIBILITY_DELAY_SECONDS = 6 * 24 * 3600;

/** The same digest judged against the same DB version is one request, however many timer runs ask for it. */
export function rescanRequestId(digest: string, dbVersion: string | null): string {
    return `rescan-${createHash('sha256').update(`${digest}|${dbVersion ?? 'unknown-db'}`).digest('hex').slice(0, 40)}`;
}

/** Staggered visibility: the i-th queued request (0-based) becomes visible after floor(i / perMinute) minutes. */
export function visibilityDelaySeconds(index: number, perMinute: number): number {
    return Math.min(Math.floor(index / perMinute) * 60, MAX_VISIBILITY_DELAY_SECONDS);
}

const lastScanOf = (s: ScanSummary): LastScan => ({ scannedAt: s.scannedAt, dbVersion: s.scanner.dbVersion, hasGoodVerdict: s.generation !== null });

/**
 * One selection run of continuous scanning: list live images (registry or pull logs), decide per
 * digest whether a rescan can change its answer, queue those on `rescan-requests` with staggered
 * visibility, and record the run with its counts.
 *
 * "Current" DB version = the newest `scanner.dbVersion` recorded by any scan in the results store
 * (quarantine push scans included: they run all day and download the newest DB), read in the same
 * listing that gives each digest's last scan, so it costs no scan. Trade-off: when no scan ran
 * since Trivy published a DB, the newer DB is not yet known; `maxVerdictAge` rescans the oldest
 * verdicts anyway, and those rescans record the newer version, which the next run then acts on.
 */
export class RescanSelection {
    private readonly now: () => Date;

    constructor(private readonly options: RescanSelectionOptions) {
        if (!Number.isInteger(options.perMinute) || options.perMinute < 1) throw new RangeError('perMinute must be a whole number >= 1');
        this.now = options.now ?? (() => new Date());
    }

    async run(): Promise<RescanRunRecord> {
        const { mode, source, store, ledger, requests, registry } = this.options;
        const startedAt = this.now();
        const runId = randomUUID();
        const [{ images, ignored }, summaries] = await Promise.all([source.listLiveImages(), store.listSummaries()]);
        const byDigest = new Map(summaries.map((s) => [s.digest, s] as const));
        const currentDbVersion = newestDbVersion(summaries.map((s) => s.scanner.dbVersion));
        const rules = { currentDbVersion, minIntervalMs: this.options.minIntervalMs, maxVerdictAgeMs: this.options.maxVerdictAgeMs, now: startedAt };

        const queuedByReason: Record<string, number> = {};
        const skippedByReason: Record<string, number> = {};
        const count = (counts: Record<string, number>, reason: string) => (counts[reason] = (counts[reason] ?? 0) + 1);
        let queued = 0;
        for (const image of images) {
            const summary = byDigest.get(image.digest);
            const decision = decideRescan(summary ? lastScanOf(summary) : null, rules);
            if (!decision.rescan) {
                count(skippedByReason, decision.reason);
                continue;
            }
            const requestId = rescanRequestId(image.digest, currentDbVersion);
            const earlier = await ledger.findQueued(requestId);
            // Queued by an earlier run and not yet answered: leave it (a stuck or failed one is queued
            // again once minInterval has passed since it was queued).
            if (earlier && startedAt.getTime() - earlier.queuedAt.getTime() < this.options.minIntervalMs) {
                count(skippedByReason, 'already-queued');
                continue;
            }
            const request: ScanRequest = {
                schema: SCAN_REQUEST_SCHEMA,
                version: SCAN_REQUEST_VERSION,
                requestId,
                registry,
                repository: image.repository,
                digest: image.digest,
                tag: image.tag,
                reason: 'rescan',
                requestedAt: startedAt.toISOString(),
                sourceEventId: null,
            };
            // Enqueue, then record: a crash in between queues it again next run (the scan worker is
            // idempotent per digest), never loses it.
            await requests.send(request, { visibleAfterSeconds: visibilityDelaySeconds(queued, this.options.perMinute) });
            await ledger.recordQueued({ requestId, digest: image.digest, repository: image.repository, dbVersion: currentDbVersion, queuedAt: startedAt });
            queued++;
            count(queuedByReason, decision.reason);
        }
        const record: RescanRunRecord = {
            runId,
            startedAt,
            finishedAt: this.now(),
            selection: mode,
            currentDbVersion,
            candidates: images.length,
            ignored,
            queued,
            queuedByReason,
            skippedByReason,
        };
        await ledger.recordRun(record);
        this.options.log?.log(
            `rescan selection (${mode}): ${images.length} live digest(s), ${queued} queued ${JSON.stringify(queuedByReason)}, skipped ${JSON.stringify(skippedByReason)}; current DB ${currentDbVersion ?? 'unknown'}`,
        );
        return record;
    }
}
