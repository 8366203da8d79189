import { TableClient } from '@azure/data-tables';
import { describe, expect, inject, it } from 'vitest';
import { TableScanResultStore } from '../../shared/results/tableScanResultStore';
import { RoundTripCounter } from '../support/roundTripCounter';
import { INDEX_BUCKETS, encodeKeyPart, indexPartition, joinKey, newGeneration, shortHash } from '../../shared/results/tableKeys';
import { SEVERITIES, isFixable, type Finding } from '../../shared/trivy/finding';
import { countRows, failVerdict, freshStore, passVerdict, randomDigest, scanOf } from './support';
import { findingsOf, juiceShopReport, rawEntryCount, readReport } from './trivyFixture';

const connectionString = () => inject('azuriteConnectionString');
const report = readReport(juiceShopReport);
const juiceShop = findingsOf(report);

describe('TableScanResultStore against Azurite', () => {
    it('records the juice-shop report: every entry, duplicates at different paths kept apart, in ceil(N/100)+3 round trips', async () => {
        const { store, trips, rawFindings } = await freshStore(connectionString());
        const digest = randomDigest();
        const raw = rawEntryCount(report);
        // The report really does repeat one vulnerability, package and version at different paths.
        const sameIdPkgVersion = new Set(juiceShop.map((f) => `${f.vulnerabilityId}|${f.pkgName}|${f.installedVersion}`));
        expect(sameIdPkgVersion.size).toBeLessThan(raw);

        trips.summaries.reset();
        trips.findings.reset();
        trips.index.reset();
        const outcome = await store.recordScan(scanOf(digest, juiceShop));
        expect(outcome.status).toBe('recorded');

        // Vulnerability rows: 1 summary read + ceil(N/100) batches + 1 summary write + 1 clean-up query.
        const vulnerabilityRowTrips = trips.summaries.count + trips.findings.count;
        expect(vulnerabilityRowTrips).toBeLessThanOrEqual(Math.ceil(raw / 100) + 3);
        expect(trips.findings.methods()['BATCH']).toBe(Math.ceil(raw / 100));
        // Index rows are counted apart: at most one batch per id bucket per 100 ids.
        const ids = new Set(juiceShop.map((f) => f.vulnerabilityId));
        expect(trips.index.count).toBeLessThanOrEqual(INDEX_BUCKETS + Math.ceil(ids.size / 100));

        const stored = await store.listFindings(digest);
        expect(stored).toHaveLength(raw);
        expect(await countRows(rawFindings, encodeKeyPart(digest))).toBe(raw);
        expect(stored.reduce((n, f) => n + f.occurrences, 0)).toBe(raw);
        const ansi = stored.filter((f) => f.vulnerabilityId === 'CVE-2021-3807' && f.pkgName === 'ansi-regex' && f.installedVersion === '3.0.0');
        expect(new Set(ansi.map((f) => f.pkgPath)).size).toBe(ansi.length);
        expect(ansi.length).toBeGreaterThan(1);

        const summary = await store.getSummary(digest);
        expect(summary?.verdict).toEqual(failVerdict);
        expect(summary?.tagsSeen).toEqual(['v12.10.2']);
        expect(summary?.os).toEqual({ family: 'alpine', name: '3.11.12', eosl: true });
        expect(summary?.scanner).toEqual({ name: 'trivy', version: '0.58.1', dbVersion: '2026-11-01T06:00:00Z' });
        expect(summary?.counts.total).toBe(raw);
        for (const s of SEVERITIES) {
            const rawOfSeverity = (report.Results ?? []).flatMap((r) => r.Vulnerabilities ?? []).filter((v) => v.Severity === s);
            expect(summary?.counts.bySeverity[s]).toEqual({
                total: rawOfSeverity.length,
                fixable: rawOfSeverity.filter((v) => (v.FixedVersion ?? '').trim() !== '').length,
            });
        }
    });

    it('merges entries identical in every location field into one row and never fails the batch', async () => {
        const { store } = await freshStore(connectionString());
        const digest = randomDigest();
        const twice = [...juiceShop.slice(0, 3), juiceShop[0] as Finding, juiceShop[0] as Finding];
        await store.recordScan(scanOf(digest, twice));
        const stored = await store.listFindings(digest);
        expect(stored).toHaveLength(3);
        expect(stored.find((f) => f.vulnerabilityId === juiceShop[0]?.vulnerabilityId && f.pkgPath === juiceShop[0]?.pkgPath)?.occurrences).toBe(3);
        expect((await store.getSummary(digest))?.counts.total).toBe(5);
    });

    it('answers "which images carry CVE-X?" with one query, for every vulnerability id', async () => {
        const { store, trips } = await freshStore(connectionString());
        const [a, b] = [randomDigest(), randomDigest()];
        const half = juiceShop.filter((_, i) => i % 2 === 0);
        await store.recordScan(scanOf(a, juiceShop));
        await store.recordScan(scanOf(b, half, { repository: 'quarantine/other', tag: null }));

        const idsA = new Set(juiceShop.map((f) => f.vulnerabilityId));
        const idsB = new Set(half.map((f) => f.vulnerabilityId));
        for (const id of idsA) {
            trips.index.reset();
            const images = await store.imagesWithVulnerability(id);
            expect(trips.index.count).toBe(1);
            const expected = [a, ...(idsB.has(id) ? [b] : [])].sort();
            expect(images.map((i) => i.digest).sort()).toEqual(expected);
        }
        const one = (await store.imagesWithVulnerability('CVE-2021-3807')).find((i) => i.digest === a);
        const entries = juiceShop.filter((f) => f.vulnerabilityId === 'CVE-2021-3807');
        expect(one?.occurrences).toBe(entries.length);
        expect(one?.fixable).toBe(entries.some(isFixable));
        expect(await store.imagesWithVulnerability('CVE-1999-0001')).toEqual([]);
    });

    it('a rescan replaces: removed findings and their index rows disappear, nothing is duplicated', async () => {
        const { store, rawFindings, rawIndex } = await freshStore(connectionString());
        const digest = randomDigest();
        const first = scanOf(digest, juiceShop, { scanId: 'scan-1' });
        await store.recordScan(first);

        const dropped = 'CVE-2021-3807';
        const kept = juiceShop.filter((f) => f.vulnerabilityId !== dropped);
        await store.recordScan(scanOf(digest, kept, { scanId: 'scan-2', scannedAt: new Date('2026-11-02T10:00:00Z'), verdict: passVerdict, tag: 'latest' }));
        // The same scan delivered again changes nothing.
        await store.recordScan(scanOf(digest, kept, { scanId: 'scan-2', scannedAt: new Date('2026-11-02T10:00:00Z'), verdict: passVerdict, tag: 'latest' }));

        const stored = await store.listFindings(digest);
        expect(stored).toHaveLength(kept.length);
        expect(stored.some((f) => f.vulnerabilityId === dropped)).toBe(false);
        expect(await countRows(rawFindings, encodeKeyPart(digest))).toBe(kept.length);
        expect((await store.imagesWithVulnerability(dropped)).map((i) => i.digest)).not.toContain(digest);
        expect((await store.imagesWithVulnerability(kept[0]?.vulnerabilityId as string)).map((i) => i.digest)).toEqual([digest]);
        expect(await countRows(rawIndex)).toBe(new Set(kept.map((f) => f.vulnerabilityId)).size);

        const summary = await store.getSummary(digest);
        expect(summary?.scanId).toBe('scan-2');
        expect(summary?.verdict.outcome).toBe('pass');
        expect(summary?.previous).toEqual({ outcome: 'fail', scanId: 'scan-1', scannedAt: first.scannedAt });
        expect(summary?.tagsSeen).toEqual(['v12.10.2', 'latest']);

        // An older scan arriving late does not overwrite the newer verdict.
        const late = await store.recordScan(scanOf(digest, juiceShop, { scanId: 'scan-0', scannedAt: new Date('2026-10-01T00:00:00Z'), tag: 'old' }));
        expect(late.status).toBe('superseded');
        expect((await store.getSummary(digest))?.scanId).toBe('scan-2');
        expect(await countRows(rawFindings, encodeKeyPart(digest))).toBe(kept.length);
    });

    it('an error verdict keeps the last good verdict and findings, and records the error beside them', async () => {
        const { store } = await freshStore(connectionString());
        const digest = randomDigest();
        await store.recordScan(scanOf(digest, juiceShop, { scanId: 'good' }));
        const scannerError = { outcome: 'error' as const, reasons: [{ code: 'scanner-error', message: 'trivy timed out' }] };
        const outcome = await store.recordScan(
            scanOf(digest, [], { scanId: 'broken', scannedAt: new Date('2026-11-03T00:00:00Z'), verdict: scannerError }),
        );
        expect(outcome).toEqual({ status: 'error-recorded', keptLastGood: true, generation: expect.any(String) });
        const summary = await store.getSummary(digest);
        expect(summary?.verdict).toEqual(failVerdict);
        expect(summary?.scanId).toBe('good');
        expect(summary?.lastError).toEqual({ scanId: 'broken', at: new Date('2026-11-03T00:00:00Z'), reasons: scannerError.reasons });
        expect(await store.listFindings(digest)).toHaveLength(juiceShop.length);

        // With nothing good on record, the image's verdict is the error (fail closed).
        const fresh = randomDigest();
        const first = await store.recordScan(scanOf(fresh, [], { verdict: scannerError }));
        expect(first.keptLastGood).toBe(false);
        expect((await store.getSummary(fresh))?.verdict).toEqual(scannerError);
        expect(await store.listFindings(fresh)).toEqual([]);

        // A later good scan takes over and clears the error.
        await store.recordScan(scanOf(fresh, juiceShop.slice(0, 10), { scannedAt: new Date('2026-11-04T00:00:00Z'), verdict: passVerdict }));
        const healed = await store.getSummary(fresh);
        expect(healed?.verdict.outcome).toBe('pass');
        expect(healed?.lastError).toBeNull();
    });

    it('concurrent writers on one summary: ETag retries keep both tags and one set of rows', async () => {
        const { store, rawFindings } = await freshStore(connectionString());
        const digest = randomDigest();
        const findings = juiceShop.slice(0, 120);
        const results = await Promise.all(
            ['v1', 'v2', 'v3'].map((tag) => store.recordScan(scanOf(digest, findings, { tag, scanId: 'same-scan' }))),
        );
        expect(results.every((r) => r.status === 'recorded' || r.status === 'superseded')).toBe(true);
        const summary = await store.getSummary(digest);
        expect([...(summary?.tagsSeen ?? [])].sort()).toEqual(['v1', 'v2', 'v3']);
        expect(await store.listFindings(digest)).toHaveLength(120);
        expect(await countRows(rawFindings, encodeKeyPart(digest))).toBe(120);
    });

    it('a writer that loses the ETag race re-reads, merges its tag and retries (deterministic interleaving)', async () => {
        const { names, rawFindings } = await freshStore(connectionString());
        const digest = randomDigest();
        const findings = juiceShop.slice(0, 30);
        const clients = () => ({
            summaries: TableClient.fromConnectionString(connectionString(), names.summaries, { allowInsecureConnection: true }),
            findings: TableClient.fromConnectionString(connectionString(), names.findings, { allowInsecureConnection: true }),
            index: TableClient.fromConnectionString(connectionString(), names.index, { allowInsecureConnection: true }),
        });
        const other = new TableScanResultStore(clients());
        await other.recordScan(scanOf(digest, findings, { tag: 'v1', scanId: 'same-scan' }));
        const mine = clients();
        let interleaved = false;
        // Just before our summary write leaves, another writer records the same digest under tag v2:
        // our ETag is now stale, so the service answers 412 and we must re-read and merge.
        mine.summaries.pipeline.addPolicy({
            name: 'interleaveCompetingWriter',
            sendRequest: async (request, next) => {
                if (!interleaved && request.method === 'PUT') {
                    interleaved = true;
                    await other.recordScan(scanOf(digest, findings, { tag: 'v2', scanId: 'same-scan' }));
                }
                return next(request);
            },
        });
        const summaryTrips = new RoundTripCounter();
        summaryTrips.attach(mine.summaries);
        const store = new TableScanResultStore(mine);
        const outcome = await store.recordScan(scanOf(digest, findings, { tag: 'v3', scanId: 'same-scan' }));
        expect(outcome.status).toBe('recorded');
        expect(interleaved).toBe(true);
        // One summary read, a PUT that got 412, a re-read, the PUT that won.
        expect(summaryTrips.methods()).toEqual({ GET: 2, PUT: 2 });
        expect((await store.getSummary(digest))?.tagsSeen).toEqual(['v1', 'v2', 'v3']);
        expect((await store.getSummary(digest))?.generation).toBe(outcome.generation);
        expect(await countRows(rawFindings, encodeKeyPart(digest))).toBe(30);
        expect(await store.imagesWithVulnerability(findings[0]?.vulnerabilityId as string)).toHaveLength(1);
    });

    it('a crashed writer\'s rows (an old generation never flipped) are reaped with their index rows', async () => {
        const { store, rawFindings, rawIndex } = await freshStore(connectionString());
        const digest = randomDigest();
        const partition = encodeKeyPart(digest);
        // What a writer that died before flipping the summary leaves behind, an hour ago.
        const orphanGeneration = newGeneration(new Date(Date.now() - 3_600_000));
        const orphanId = 'CVE-2000-0001';
        await rawFindings.createEntity({ partitionKey: partition, rowKey: joinKey(orphanGeneration, encodeKeyPart(orphanId), shortHash('x')), generation: orphanGeneration, vulnerabilityId: orphanId });
        await rawIndex.createEntity({ partitionKey: indexPartition(orphanId), rowKey: joinKey(encodeKeyPart(orphanId), partition), vulnerabilityId: orphanId, digest });

        await store.recordScan(scanOf(digest, juiceShop.slice(0, 5)));
        expect(await countRows(rawFindings, partition)).toBe(5);
        expect(await store.imagesWithVulnerability(orphanId)).toEqual([]);
    });

    it('keeps within Table property limits: thousands of ids in the reasons, very long report text', async () => {
        const { store } = await freshStore(connectionString());
        const digest = randomDigest();
        const ids = Array.from({ length: 5000 }, (_, i) => `CVE-2024-${100000 + i}`);
        const verdict = { outcome: 'fail' as const, reasons: [{ code: 'blocked-vulnerabilities', message: 'many', vulnerabilityIds: ids }] };
        const long = { ...(juiceShop[0] as Finding), title: 'T'.repeat(100_000), pkgPath: 'p/'.repeat(40_000) };
        await store.recordScan(scanOf(digest, [long], { verdict }));
        const summary = await store.getSummary(digest);
        expect(summary?.reasonsTruncated).toBe(true);
        expect(summary?.verdict.reasons[0]?.code).toBe('blocked-vulnerabilities');
        expect(summary?.verdict.reasons[0]?.vulnerabilityIds?.length).toBeLessThan(ids.length);
        const [stored] = await store.listFindings(digest);
        expect(stored?.title?.length).toBeLessThanOrEqual(512);
        expect(stored?.pkgPath?.startsWith('p/p/')).toBe(true);
    });

    it('records a report whose OS name (from the image itself) is longer than a Table property', async () => {
        const { store } = await freshStore(connectionString());
        const digest = randomDigest();
        const os = { family: 'f'.repeat(40_000), name: 'n'.repeat(40_000), eosl: false };
        expect((await store.recordScan(scanOf(digest, [], { os, verdict: passVerdict }))).status).toBe('recorded');
        const summary = await store.getSummary(digest);
        expect(summary?.verdict.outcome).toBe('pass');
        expect(summary?.os?.family.startsWith('fff')).toBe(true);
        expect(summary?.os?.name.length).toBeLessThanOrEqual(256);
    });

    it('lists summaries by repository prefix', async () => {
        const { store } = await freshStore(connectionString());
        await store.recordScan(scanOf(randomDigest(), juiceShop.slice(0, 2), { repository: 'quarantine/a' }));
        await store.recordScan(scanOf(randomDigest(), juiceShop.slice(0, 2), { repository: 'quarantine/b' }));
        await store.recordScan(scanOf(randomDigest(), juiceShop.slice(0, 2), { repository: 'live/a' }));
        expect((await store.listSummaries({ repositoryPrefix: 'quarantine/' })).map((s) => s.repository).sort()).toEqual(['quarantine/a', 'quarantine/b']);
        expect(await store.listSummaries()).toHaveLength(3);
    });

    it('refuses a digest that is not a digest before touching storage', async () => {
        const { store, trips } = await freshStore(connectionString());
        await expect(store.recordScan(scanOf('sha256:../../etc', juiceShop))).rejects.toThrow();
        expect(trips.summaries.count).toBe(0); // nothing reached storage
    });
});
