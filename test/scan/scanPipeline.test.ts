import { randomBytes } from 'node:crypto';
import { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_POLICY } from '../../shared/policy/gatePolicy';
import { parseTrivyReportJson } from '../../shared/trivy/report';
import { decodeParkedMessage } from '../../shared/storage/parkedMessages';
import type { ScanPipeline } from '../../shared/scan/scanPipeline';
import { encodeScanRequest, type ScanRequest } from '../../shared/scan/scanRequest';
import { startAcrServer, type AcrServer } from '../acr-server/acrServer';
import { trivyImageScanRun, trivyScanRun } from '../acr-server/trivyScanRun';
import { freshStore, randomDigest } from '../results/support';
import { freshTable } from '../support/intakeFixtures';
import { TableScanResultStore } from '../../shared/results/tableScanResultStore';
import { countEntityReads, drainQueue, driveScanQueue, RecordingVerdictObserver, scanRequest, scanToEnd, silentLog, testPipeline, trivyFixture } from './support';

const juiceShop = trivyFixture('securecodebox-juice-shop-v12.10.2.json');
const noVulns = trivyFixture('cns-website-alpine-3.17-novulns.json');
const alpine310 = trivyFixture('alpine-310.golden.json');

let server: AcrServer;
let store: Awaited<ReturnType<typeof freshStore>>['store'];
let observer: RecordingVerdictObserver;
let pipeline: ScanPipeline;
/** The same, answering nothing from a recorded verdict (every request of a digest after a done scan runs again). */
let rescanning: ScanPipeline;
let queue: QueueClient;
let poison: QueueClient;
const MAX = 3;

beforeAll(async () => {
    const azurite = inject('azuriteConnectionString');
    server = await startAcrServer({ azuriteConnectionString: azurite });
    ({ store } = await freshStore(azurite));
    observer = new RecordingVerdictObserver();
    ({ pipeline, queue } = await testPipeline(server, azurite, { store, policy: DEFAULT_POLICY, observers: [observer], maxDequeueCount: MAX }));
    ({ pipeline: rescanning } = await testPipeline(server, azurite, { store, policy: DEFAULT_POLICY, observers: [observer], maxDequeueCount: MAX, reuseWithinMs: 0 }));
    poison = new QueueClient(azurite, `${queue.name}-poison`);
});

afterAll(async () => {
    await server?.close();
});

const QUEUE = () => queue.name;
const image = (repository = 'quarantine/app') => ({ repository, digest: server.registry.putImage({ repository, tags: ['1.0'] }) });
const eventsFor = (digest: string) => observer.events.filter((e) => e.digest === digest);
const scan = (request: ScanRequest, through = pipeline) => scanToEnd(through, queue, request, { maxDequeueCount: MAX });

describe('ScanPipeline with the real scanner on the ACR test server and the real store on Azurite', () => {
    it('fails juice-shop under the default policy and records summary, findings and CVE index; observers get the event', async () => {
        server.onRun(trivyImageScanRun(() => juiceShop));
        const { repository, digest } = image('quarantine/juice-shop');
        const request = scanRequest(server.loginServer, repository, digest);
        const runsBefore = server.runs().length;
        const { final, outcomes } = await scan(request);

        expect(final).toMatchObject({ status: 'scanned', recorded: 'recorded', verdict: { outcome: 'fail' } });
        // The run was scheduled by one delivery and collected by a later check: nobody waited for it.
        expect(outcomes.map((o) => o.handling?.status)).toContain('scheduled');
        expect(server.runs().length).toBe(runsBefore + 1);
        expect(server.runs().at(-1)!.values['imageRef']).toBe(`${server.loginServer}/${repository}@${digest}`);
        const report = parseTrivyReportJson(juiceShop);
        const summary = await store.getSummary(digest);
        expect(summary).toMatchObject({ scanId: request.requestId, tagsSeen: ['1.0'], verdict: { outcome: 'fail' }, scanner: { name: 'trivy', version: '0.58.1', dbVersion: '2025-01-02T06:13:07.465548741Z' } });
        expect(summary!.counts.total).toBe(report.findings.length);
        const blocking = summary!.verdict.reasons.find((r) => r.code === 'blocked-vulnerabilities');
        expect(blocking?.vulnerabilityIds?.length).toBeGreaterThan(0);
        const someId = blocking!.vulnerabilityIds![0]!;
        expect((await store.imagesWithVulnerability(someId)).map((i) => i.digest)).toContain(digest);

        const [event] = eventsFor(digest);
        expect(event).toMatchObject({ repository, digest, tag: '1.0', scanId: request.requestId, reason: 'push', previous: null, dbVersion: '2025-01-02T06:13:07.465548741Z', redelivered: false });
        expect(event!.verdict.outcome).toBe('fail');
        // A first scan: everything is new.
        expect(event!.newFindings).toHaveLength(report.findings.length);
    });

    it('passes an image without vulnerabilities (cns-website alpine 3.17)', async () => {
        server.onRun(trivyImageScanRun(() => noVulns));
        const { repository, digest } = image();
        const { final } = await scan(scanRequest(server.loginServer, repository, digest));
        expect(final).toMatchObject({ status: 'scanned', verdict: { outcome: 'pass' } });
        expect((await store.getSummary(digest))?.verdict.outcome).toBe('pass');
        expect(eventsFor(digest).map((e) => e.verdict.outcome)).toEqual(['pass']);
    });

    it('reports as newFindings only what a rescan found that the stored result of the digest lacked', async () => {
        const full = JSON.parse(alpine310) as { Results: { Vulnerabilities: { VulnerabilityID: string }[] }[] };
        const fewer = structuredClone(full);
        const dropped = fewer.Results[0]!.Vulnerabilities.splice(1, 1)[0]!; // CVE-2019-1551 of the first package
        const { repository, digest } = image();

        server.onRun(trivyImageScanRun(() => JSON.stringify(fewer)));
        await scan(scanRequest(server.loginServer, repository, digest), rescanning);
        server.onRun(trivyImageScanRun(() => alpine310));
        const rescan = scanRequest(server.loginServer, repository, digest, { reason: 'rescan', tag: null, requestId: `rescan-${randomBytes(6).toString('hex')}` });
        await scan(rescan, rescanning);

        const [first, second] = eventsFor(digest);
        expect(second).toMatchObject({ reason: 'rescan', previous: { outcome: 'fail', scannedAt: first!.scannedAt, dbVersion: '2025-01-02T06:13:07.465548741Z' } });
        expect(second!.newFindings.map((f) => [f.vulnerabilityId, f.pkgName])).toEqual([[dropped.VulnerabilityID, 'libcrypto1.1']]);
        expect((await store.listFindings(digest)).length).toBe(4);
    });

    it('replaces a failed run with a new one, up to maxDequeueCount runs, then records verdict error without erasing the last good verdict', async () => {
        server.onRun(trivyImageScanRun(() => noVulns));
        const { repository, digest } = image();
        await scan(scanRequest(server.loginServer, repository, digest), rescanning);

        server.onRun(() => ({ status: 'Failed', log: 'trivy: TOOMANYREQUESTS: rate limit\r\n', errorMessage: 'step acr-guard-trivy-scan failed' }));
        const runsBefore = server.runs().length;
        const rescan = scanRequest(server.loginServer, repository, digest, { reason: 'rescan' });
        const { final, errors } = await scan(rescan, rescanning);
        expect(errors).toEqual([]);
        expect(server.runs().length).toBe(runsBefore + MAX);
        expect(final).toMatchObject({ status: 'scanned', verdict: { outcome: 'error' }, recorded: 'error-recorded' });
        const summary = await store.getSummary(digest);
        expect(summary?.verdict.outcome).toBe('pass'); // the last good verdict stays
        expect(summary?.lastError).toMatchObject({ scanId: rescan.requestId, reasons: [{ code: 'scanner-error', message: expect.stringMatching(/run-failed.*ended Failed.*after 3 run/) }] });
        const errorEvent = eventsFor(digest).at(-1)!;
        expect(errorEvent).toMatchObject({ verdict: { outcome: 'error' }, previous: { outcome: 'pass' }, newFindings: [], dbVersion: null });
    });

    it('fails closed on an unverifiable report: error verdict (never pass) when no good scan exists', async () => {
        server.onRun(trivyImageScanRun(() => noVulns, (log) => log.replace(/sha256=[a-f0-9]{64}/, `sha256=${'0'.repeat(64)}`)));
        const { repository, digest } = image();
        await scan(scanRequest(server.loginServer, repository, digest));
        const summary = await store.getSummary(digest);
        expect(summary?.verdict).toMatchObject({ outcome: 'error', reasons: [{ code: 'scanner-error', message: expect.stringMatching(/report-hash-mismatch/) }] });
        expect(eventsFor(digest).map((e) => e.verdict.outcome)).toEqual(['error']);
    });

    it('fails closed on a verified report of another image: error verdict, never pass', async () => {
        // The clean cns-website report as Trivy wrote it for its own image, not for the digest asked for.
        server.onRun(trivyScanRun(() => noVulns));
        const { repository, digest } = image();
        await scan(scanRequest(server.loginServer, repository, digest));
        const summary = await store.getSummary(digest);
        expect(summary?.verdict).toMatchObject({ outcome: 'error', reasons: [{ code: 'scanner-error', message: expect.stringMatching(new RegExp(`report-invalid.*not ${digest}`)) }] });
        expect(eventsFor(digest).map((e) => e.verdict.outcome)).toEqual(['error']);
    });

    it('runs the ACR Task once per digest: a redelivery changes nothing, another tag or repository is answered from the record', async () => {
        server.onRun(trivyImageScanRun(() => noVulns));
        const { repository, digest } = image();
        const request = scanRequest(server.loginServer, repository, digest);
        const runsBefore = server.runs().length;
        expect((await scan(request)).final).toMatchObject({ status: 'scanned' });
        // The same message again (a redelivery after the host lost the completion): no run, nobody told twice.
        expect((await scan(request)).final).toEqual({ status: 'already-scanned', scanId: request.requestId });
        expect(server.runs().length).toBe(runsBefore + 1);
        expect(eventsFor(digest).map((e) => [e.verdict.outcome, e.redelivered])).toEqual([['pass', false]]);

        // Another tag of the digest, pushed now: answered by the recorded scan, tag merged, its observers told.
        const other = scanRequest(server.loginServer, repository, digest, { tag: '1.0-alpine' });
        expect((await scan(other)).final).toMatchObject({ status: 'already-scanned', scanId: request.requestId });
        expect(server.runs().length).toBe(runsBefore + 1);
        expect((await store.getSummary(digest))?.tagsSeen).toEqual(['1.0', '1.0-alpine']);
        expect(eventsFor(digest).map((e) => [e.tag, e.verdict.outcome, e.redelivered])).toEqual([
            ['1.0', 'pass', false],
            ['1.0-alpine', 'pass', false],
        ]);

        // The same digest pushed into another repository: judged for that repository, no new run.
        server.registry.importManifest({ sourceRepository: repository, sourceReference: digest, targets: [{ repository: 'quarantine/other', tag: '2.0' }], mode: 'Force' });
        const elsewhere = scanRequest(server.loginServer, 'quarantine/other', digest, { tag: '2.0' });
        expect((await scan(elsewhere)).final).toMatchObject({ status: 'already-scanned' });
        expect(server.runs().length).toBe(runsBefore + 1);
        expect(eventsFor(digest).at(-1)).toMatchObject({ repository: 'quarantine/other', tag: '2.0', verdict: { outcome: 'pass' } });
    });

    it('parks a malformed message and a request for another registry in <queue>-poison with the reason; nothing runs or is recorded', async () => {
        const runsBefore = server.runs().length;
        const log = silentLog();
        const bad = Buffer.from(JSON.stringify({ schema: 'acr-guard.scan-request', version: 1, repository: 'quarantine/app;rm -rf /' })).toString('base64');
        expect(await pipeline.handle({ queue: QUEUE(), message: bad, messageText: bad, dequeueCount: 1 }, log)).toMatchObject({ status: 'parked', reason: expect.stringMatching(/repository/) });
        expect(log.lines.join('\n')).toMatch(/malformed scan request/);

        const digest = randomDigest();
        const foreign = scanRequest('evil.example.com', 'quarantine/app', digest);
        expect(await pipeline.handle({ queue: QUEUE(), message: encodeScanRequest(foreign), dequeueCount: 1 }, silentLog())).toMatchObject({ status: 'parked', reason: expect.stringMatching(/^foreign-registry: .*evil\.example\.com/) });
        expect(server.runs().length).toBe(runsBefore);
        expect(await store.getSummary(digest)).toBeNull();
        expect(eventsFor(digest)).toEqual([]);

        const parked = (await drainQueue(poison)).map(decodeParkedMessage);
        expect(parked).toEqual([
            expect.objectContaining({ schema: 'acr-guard.parked-message', queue: QUEUE(), message: bad, reason: expect.stringMatching(/malformed scan request: invalid scan request/) }),
            expect.objectContaining({ queue: QUEUE(), message: encodeScanRequest(foreign), reason: expect.stringMatching(/foreign-registry/) }),
        ]);
    });

    it('throws (so the host redelivers) when an observer fails, after calling the others; the redelivery tells them again', async () => {
        server.onRun(trivyImageScanRun(() => noVulns));
        const { repository, digest } = image();
        const seen: string[] = [];
        let failures = 1;
        const azurite = inject('azuriteConnectionString');
        const { pipeline: failing, queue: lane } = await testPipeline(server, azurite, {
            store,
            policy: DEFAULT_POLICY,
            observers: [{ onVerdict: async () => (failures-- > 0 ? Promise.reject(new Error('promotion unavailable')) : undefined) }, { onVerdict: async (e) => void seen.push(`${e.digest} ${e.redelivered}`) }],
            maxDequeueCount: MAX,
        });
        await lane.sendMessage(encodeScanRequest(scanRequest(server.loginServer, repository, digest)));
        const outcomes = await driveScanQueue(failing, lane, { maxDequeueCount: MAX });
        expect(outcomes.flatMap((o) => (o.error ? [String(o.error)] : []))).toEqual([expect.stringMatching(/promotion unavailable/)]);
        expect(seen).toEqual([`${digest} false`, `${digest} true`]);
        expect((await store.getSummary(digest))?.verdict.outcome).toBe('pass');
    });

    it('reads the digest summary once per scan (first scan and rescan alike), counted on the wire', async () => {
        const azurite = inject('azuriteConnectionString');
        const suffix = randomBytes(4).toString('hex');
        const tables = { summaries: await freshTable(azurite, `rsum${suffix}`), findings: await freshTable(azurite, `rfnd${suffix}`), index: await freshTable(azurite, `ridx${suffix}`) };
        const reads = countEntityReads(tables.summaries);
        const counted = new TableScanResultStore(tables);
        const { pipeline: measured, queue: lane } = await testPipeline(server, azurite, { store: counted, policy: DEFAULT_POLICY, observers: [], maxDequeueCount: MAX, reuseWithinMs: 0 });
        server.onRun(trivyImageScanRun(() => alpine310));
        const { repository, digest } = image('quarantine/reads');

        reads.reset();
        expect((await scanToEnd(measured, lane, scanRequest(server.loginServer, repository, digest), { maxDequeueCount: MAX })).final).toMatchObject({ status: 'scanned', recorded: 'recorded' });
        expect(reads.count()).toBe(1);
        // A rescan: the previous findings are listed and the summary replaced, from that one read.
        reads.reset();
        expect((await scanToEnd(measured, lane, scanRequest(server.loginServer, repository, digest, { reason: 'rescan' }), { maxDequeueCount: MAX })).final).toMatchObject({ status: 'scanned', recorded: 'recorded' });
        expect(reads.count()).toBe(1);
    });

    it('never waits for a run inside an invocation: a run that never ends leaves each delivery at once, and is given up at the run deadline', async () => {
        const azurite = inject('azuriteConnectionString');
        let clock = Date.now();
        const { pipeline: timed, queue: lane } = await testPipeline(server, azurite, { store, policy: DEFAULT_POLICY, observers: [observer], maxDequeueCount: 2, runDeadlineSeconds: 1500, now: () => new Date(clock) });
        server.onRun(() => new Promise(() => undefined)); // an ACR run that never finishes
        const { repository, digest } = image();
        const runsBefore = server.runs().length;
        await lane.sendMessage(encodeScanRequest(scanRequest(server.loginServer, repository, digest)));

        const deliver = async () => {
            const [m] = (await lane.receiveMessages({ numberOfMessages: 1 })).receivedMessageItems;
            if (!m) throw new Error('expected a message');
            await lane.deleteMessage(m.messageId, m.popReceipt);
            return timed.handle({ queue: lane.name, message: m.messageText, dequeueCount: m.dequeueCount }, silentLog());
        };
        expect(await deliver()).toMatchObject({ status: 'scheduled' });
        // Each check looks once and puts itself back on the queue: no invocation waits for the run.
        expect(await deliver()).toMatchObject({ status: 'waiting', reason: expect.stringMatching(/is (Queued|Running|Started)/) });
        expect(await deliver()).toMatchObject({ status: 'waiting' });
        // Past the deadline: a new run (maxDequeueCount runs in all), then verdict error.
        clock += 1501_000;
        expect(await deliver()).toMatchObject({ status: 'scheduled' });
        clock += 1501_000;
        expect(await deliver()).toMatchObject({ status: 'scanned', verdict: { outcome: 'error' } });
        expect(server.runs().length).toBe(runsBefore + 2);
        expect((await store.getSummary(digest))?.verdict.reasons[0]?.message).toMatch(/timeout.*did not finish within 1500 s/);
        expect(eventsFor(digest).map((e) => e.verdict.outcome)).toEqual(['error']);
    });

    it('records the run id before anything else: a redelivery of the request while its run is under way starts no second run', async () => {
        server.onRun(trivyImageScanRun(() => noVulns));
        const { repository, digest } = image();
        const message = encodeScanRequest(scanRequest(server.loginServer, repository, digest));
        const runsBefore = server.runs().length;
        expect(await pipeline.handle({ queue: QUEUE(), message, dequeueCount: 1 }, silentLog())).toMatchObject({ status: 'scheduled' });
        // The host redelivers the same request (its completion was lost): it finds the run and waits for it.
        expect(await pipeline.handle({ queue: QUEUE(), message, dequeueCount: 2 }, silentLog())).toMatchObject({ status: 'waiting', reason: expect.stringMatching(/is running/) });
        expect(server.runs().length).toBe(runsBefore + 1);
        // The checks both deliveries queued settle it, with that one run, and tell the observers once.
        await driveScanQueue(pipeline, queue, { maxDequeueCount: MAX });
        expect(server.runs().length).toBe(runsBefore + 1);
        expect((await store.getSummary(digest))?.verdict.outcome).toBe('pass');
        expect(eventsFor(digest).map((e) => e.verdict.outcome)).toEqual(['pass']);
    });
});
