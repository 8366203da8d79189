import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AcrRegistry } from '../../shared/registry/acrRegistry';
import type { ScanResultStore } from '../../shared/results/scanResultStore';
import { RegistryLiveImages } from '../../shared/rescan/registryLiveImages';
import { RescanSelection, rescanRequestId, visibilityDelaySeconds } from '../../shared/rescan/rescanSelection';
import { startAcrServer, type AcrServer } from '../acr-server/acrServer';
import { passVerdict, freshStore, scanOf } from '../results/support';
import { freshLedgerAndQueue, queueContents } from './support';
import { testAcrConnection } from '../support/testAzureAccess';

const HOUR = 3_600_000;
const DB_OLD = '2026-11-20T06:13:07.465548741Z';
const DB_NEW = '2026-11-21T06:13:07.465548741Z';
const NOW = new Date('2026-11-22T03:00:00Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms);

let server: AcrServer;
let registry: AcrRegistry;

beforeAll(async () => {
    server = await startAcrServer({ azuriteConnectionString: inject('azuriteConnectionString') });
    registry = new AcrRegistry(
        testAcrConnection(server),
        // Small pages: the selection must follow the catalog's and the tag listing's Link headers.
        { pageSize: 2 },
    );
});

afterAll(async () => {
    await server?.close();
});

describe('visibilityDelaySeconds', () => {
    it('spreads queued rescans over minutes and never past the queue limit', () => {
        expect([0, 1, 2, 3, 4].map((i) => visibilityDelaySeconds(i, 2))).toEqual([0, 0, 60, 60, 120]);
        expect(visibilityDelaySeconds(10_000_000, 1)).toBe(6 * 24 * 3600);
    });
});

describe('RescanSelection over the registry (selection "all")', () => {
    it('queues only digests a rescan can change, once, on its own queue, with deterministic ids, and records each run', async () => {
        const put = (repository: string, tags: string[]) => server.registry.putImage({ repository, tags });
        const A = put('live/web', ['1.0']); // judged with the newest DB two days ago: skip
        const B = put('live/web', ['1.1']); // judged with an older DB: rescan
        const C = put('live/api', ['2.0']); // older DB but scanned an hour ago: skip (min interval)
        const D = put('live/new', ['x']); // never scanned: rescan
        const E = put('live/old', ['1']); // newest DB but ten days old: rescan (max verdict age)
        const Q = put('quarantine/web', ['q']); // not live: never a candidate
        // The same digest tagged in two live repositories is one candidate (results are per digest).
        expect(server.registry.importManifest({ sourceRepository: 'live/web', sourceReference: A, targets: [{ repository: 'live/api', tag: 'stable' }], mode: 'Force' }).ok).toBe(true);
        const connection = inject('azuriteConnectionString');
        const { store } = await freshStore(connection);
        const record = (digest: string, repository: string, scannedAt: Date, dbVersion: string) =>
            store.recordScan(scanOf(digest, [], { repository, scannedAt, verdict: passVerdict, scanner: { name: 'trivy', version: '0.58.1', dbVersion } }));
        await record(A, 'quarantine/web', ago(48 * HOUR), DB_NEW);
        await record(B, 'quarantine/web', ago(48 * HOUR), DB_OLD);
        await record(C, 'quarantine/api', ago(1 * HOUR), DB_OLD);
        await record(E, 'quarantine/old', ago(240 * HOUR), DB_NEW);
        // A push scan in quarantine is what tells the selection which DB is current.
        await record(Q, 'quarantine/web', ago(2 * HOUR), DB_NEW);

        const { ledger, queue, sink } = await freshLedgerAndQueue(connection);
        let now = NOW;
        const listings: string[] = [];
        const selection = new RescanSelection({
            mode: 'all',
            source: new RegistryLiveImages(registry, 'live/'),
            store: { listSummaries: (o) => (listings.push('listSummaries'), store.listSummaries(o)) } as Pick<ScanResultStore, 'listSummaries'>,
            ledger,
            requests: sink,
            registry: server.loginServer,
            minIntervalMs: 12 * HOUR,
            maxVerdictAgeMs: 7 * 24 * HOUR,
            perMinute: 2,
            now: () => now,
        });

        const first = await selection.run();
        expect(first).toMatchObject({ selection: 'all', currentDbVersion: DB_NEW, candidates: 5, queued: 3 });
        expect(first.queuedByReason).toEqual({ 'db-version-advanced': 1, 'never-scanned': 1, 'verdict-too-old': 1 });
        expect(first.skippedByReason).toEqual({ 'current-db-version': 1, 'scanned-recently': 1 });
        expect(listings).toEqual(['listSummaries']); // one listing of the results, whatever the number of images

        // Staggered: with 2 per minute, the first two are visible now, the rest later.
        const afterFirst = await queueContents(queue);
        expect(afterFirst.total).toBe(first.queued);
        expect(afterFirst.visible).toHaveLength(2);
        // Repositories in name order: live/new (D), live/old (E) now; live/web (B) a minute later.
        expect(afterFirst.visible.map((r) => r.digest)).toEqual([D, E]);
        expect(afterFirst.visible[0]).toMatchObject({ reason: 'rescan', repository: 'live/new', tag: 'x', registry: server.loginServer, requestId: rescanRequestId(D, DB_NEW) });
        for (const r of afterFirst.visible) expect(r.requestId).toBe(rescanRequestId(r.digest, DB_NEW));
        expect(await ledger.findQueued(rescanRequestId(B, DB_NEW))).toMatchObject({ digest: B, repository: 'live/web', dbVersion: DB_NEW, queuedAt: NOW });

        // The next run an hour later queues nothing new: the same digest + DB version is the same request.
        now = new Date(NOW.getTime() + HOUR);
        const second = await selection.run();
        expect(second.queued).toBe(0);
        expect(second.skippedByReason).toEqual({ 'already-queued': first.queued, 'current-db-version': 1, 'scanned-recently': 1 });
        expect((await queueContents(queue)).total).toBe(first.queued);

        // Each run is recorded with its counts and reasons.
        const runs = await ledger.listRuns();
        expect(runs.map((r) => [r.queued, r.skippedByReason])).toEqual([
            [first.queued, first.skippedByReason],
            [0, second.skippedByReason],
        ]);
    });
});
