import { randomBytes } from 'node:crypto';
import { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_POLICY } from '../../shared/policy/gatePolicy';
import { parseTrivyReportJson } from '../../shared/trivy/report';
import { decodeParkedMessage, QueueMessageParking } from '../../shared/storage/parkedMessages';
import { ScanAttemptError, ScanPipeline } from '../../shared/scan/scanPipeline';
import { encodeScanRequest } from '../../shared/scan/scanRequest';
import { startAcrServer, type AcrServer } from '../acr-server/acrServer';
import { trivyImageScanRun, trivyScanRun } from '../acr-server/trivyScanRun';
import { freshStore, randomDigest } from '../results/support';
import { drainQueue, RecordingVerdictObserver, scanRequest, silentLog, testScanner, trivyFixture } from './support';

const juiceShop = trivyFixture('securecodebox-juice-shop-v12.10.2.json');
const noVulns = trivyFixture('cns-website-alpine-3.17-novulns.json');
const alpine310 = trivyFixture('alpine-310.golden.json');

let server: AcrServer;
let store: Awaited<ReturnType<typeof freshStore>>['store'];
let observer: RecordingVerdictObserver;
let pipeline: ScanPipeline;
let poison: QueueClient;
const QUEUE = `scan-test-${randomBytes(4).toString('hex')}`;
const MAX = 3;

beforeAll(async () => {
    const azurite = inject('azuriteConnectionString');
    server = await startAcrServer({ azuriteConnectionString: azurite });
    ({ store } = await freshStore(azurite));
    observer = new RecordingVerdictObserver();
    poison = new QueueClient(azurite, `${QUEUE}-poison`);
    await poison.createIfNotExists();
    pipeline = new ScanPipeline({
        scanner: testScanner(server),
        store,
        policy: DEFAULT_POLICY,
        observers: [observer],
        maxDequeueCount: MAX,
        parking: new QueueMessageParking((q) => new QueueClient(azurite, `${q}-poison`)),
    });
});

afterAll(async () => {
    await server?.close();
});

const image = (repository = 'quarantine/app') => ({ repository, digest: server.registry.putImage({ repository, tags: ['1.0'] }) });
const eventsFor = (digest: string) => observer.events.filter((e) => e.digest === digest);

async function expectAttemptError(run: Promise<unknown>): Promise<ScanAttemptError> {
    try {
        await run;
    } catch (err) {
        expect(err).toBeInstanceOf(ScanAttemptError);
        return err as ScanAttemptError;
    }
    throw new Error('expected the attempt to throw');
}

describe('ScanPipeline with the real scanner on the ACR test server and the real store on Azurite', () => {
    it('fails juice-shop under the default policy and records summary, findings and CVE index; observers get the event', async () => {
        server.onRun(trivyImageScanRun(() => juiceShop));
        const { repository, digest } = image('quarantine/juice-shop');
        const request = scanRequest(server.loginServer, repository, digest);
        const runsBefore = server.runs().length;
        const handled = await pipeline.scan(request, 1, silentLog());

        expect(handled).toMatchObject({ status: 'scanned', recorded: 'recorded', verdict: { outcome: 'fail' } });
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
        const handled = await pipeline.scan(scanRequest(server.loginServer, repository, digest), 1, silentLog());
        expect(handled).toMatchObject({ status: 'scanned', verdict: { outcome: 'pass' } });
        expect((await store.getSummary(digest))?.verdict.outcome).toBe('pass');
        expect(eventsFor(digest).map((e) => e.verdict.outcome)).toEqual(['pass']);
    });

    it('reports as newFindings only what a rescan found that the stored result of the digest lacked', async () => {
        const full = JSON.parse(alpine310) as { Results: { Vulnerabilities: { VulnerabilityID: string }[] }[] };
        const fewer = structuredClone(full);
        const dropped = fewer.Results[0]!.Vulnerabilities.splice(1, 1)[0]!; // CVE-2019-1551 of the first package
        const { repository, digest } = image();

        server.onRun(trivyImageScanRun(() => JSON.stringify(fewer)));
        await pipeline.scan(scanRequest(server.loginServer, repository, digest, { requestedAt: new Date(Date.now() - 60_000).toISOString() }), 1, silentLog());
        server.onRun(trivyImageScanRun(() => alpine310));
        const rescan = scanRequest(server.loginServer, repository, digest, { reason: 'rescan', tag: null, requestId: `rescan-${randomBytes(6).toString('hex')}` });
        await pipeline.scan(rescan, 1, silentLog());

        const [first, second] = eventsFor(digest);
        expect(second).toMatchObject({ reason: 'rescan', previous: { outcome: 'fail', scannedAt: first!.scannedAt, dbVersion: '2025-01-02T06:13:07.465548741Z' } });
        expect(second!.newFindings.map((f) => [f.vulnerabilityId, f.pkgName])).toEqual([[dropped.VulnerabilityID, 'libcrypto1.1']]);
        expect((await store.listFindings(digest)).length).toBe(4);
    });

    it('retries a failed run, then records verdict error on the last delivery without erasing the last good verdict', async () => {
        server.onRun(trivyImageScanRun(() => noVulns));
        const { repository, digest } = image();
        await pipeline.scan(scanRequest(server.loginServer, repository, digest, { requestedAt: new Date(Date.now() - 60_000).toISOString() }), 1, silentLog());

        server.onRun(() => ({ status: 'Failed', log: 'trivy: TOOMANYREQUESTS: rate limit\r\n', errorMessage: 'step acr-guard-trivy-scan failed' }));
        const rescan = scanRequest(server.loginServer, repository, digest, { reason: 'rescan' });
        const early = await expectAttemptError(pipeline.scan(rescan, MAX - 1, silentLog()));
        expect(early.final).toBe(false);
        expect(eventsFor(digest)).toHaveLength(1); // nothing recorded or told before the last delivery
        expect((await store.getSummary(digest))?.lastError).toBeNull();

        const last = await expectAttemptError(pipeline.scan(rescan, MAX, silentLog()));
        expect(last.final).toBe(true);
        const summary = await store.getSummary(digest);
        expect(summary?.verdict.outcome).toBe('pass'); // the last good verdict stays
        expect(summary?.lastError).toMatchObject({ scanId: rescan.requestId, reasons: [{ code: 'scanner-error', message: expect.stringMatching(/run-failed.*ended Failed/) }] });
        const errorEvent = eventsFor(digest).at(-1)!;
        expect(errorEvent).toMatchObject({ verdict: { outcome: 'error' }, previous: { outcome: 'pass' }, newFindings: [], dbVersion: null });
    });

    it('fails closed on an unverifiable report: error verdict (never pass) when no good scan exists', async () => {
        server.onRun(trivyImageScanRun(() => noVulns, (log) => log.replace(/sha256=[a-f0-9]{64}/, `sha256=${'0'.repeat(64)}`)));
        const { repository, digest } = image();
        const request = scanRequest(server.loginServer, repository, digest);
        await expectAttemptError(pipeline.scan(request, MAX, silentLog()));
        const summary = await store.getSummary(digest);
        expect(summary?.verdict).toMatchObject({ outcome: 'error', reasons: [{ code: 'scanner-error', message: expect.stringMatching(/report-hash-mismatch/) }] });
        expect(eventsFor(digest).map((e) => e.verdict.outcome)).toEqual(['error']);
    });

    it('fails closed on a verified report of another image: error verdict, never pass', async () => {
        // The clean cns-website report as Trivy wrote it for its own image, not for the digest asked for.
        server.onRun(trivyScanRun(() => noVulns));
        const { repository, digest } = image();
        const request = scanRequest(server.loginServer, repository, digest);
        await expectAttemptError(pipeline.scan(request, MAX, silentLog()));
        const summary = await store.getSummary(digest);
        expect(summary?.verdict).toMatchObject({ outcome: 'error', reasons: [{ code: 'scanner-error', message: expect.stringMatching(new RegExp(`report-invalid.*not ${digest}`)) }] });
        expect(eventsFor(digest).map((e) => e.verdict.outcome)).toEqual(['error']);
    });

    it('does not run the ACR Task again for a digest already scanned, but tells observers (again) with the stored evidence', async () => {
        server.onRun(trivyImageScanRun(() => noVulns));
        const { repository, digest } = image();
        const request = scanRequest(server.loginServer, repository, digest);
        const message = encodeScanRequest(request);
        const runsBefore = server.runs().length;
        expect(await pipeline.handle({ queue: QUEUE, message, dequeueCount: 1 }, silentLog())).toMatchObject({ status: 'scanned' });
        expect(await pipeline.handle({ queue: QUEUE, message, dequeueCount: 2 }, silentLog())).toEqual({ status: 'already-scanned', scanId: request.requestId });
        expect(server.runs().length).toBe(runsBefore + 1);
        expect(eventsFor(digest).map((e) => [e.verdict.outcome, e.redelivered])).toEqual([
            ['pass', false],
            ['pass', true],
        ]);

        // A request made before that scan, for another tag of the digest: answered by the stored scan, tag merged.
        const older = scanRequest(server.loginServer, repository, digest, { tag: '1.0-alpine', requestedAt: new Date(Date.now() - 3_600_000).toISOString() });
        expect(await pipeline.handle({ queue: QUEUE, message: encodeScanRequest(older), dequeueCount: 1 }, silentLog())).toMatchObject({ status: 'already-scanned' });
        expect(server.runs().length).toBe(runsBefore + 1);
        expect((await store.getSummary(digest))?.tagsSeen).toEqual(['1.0', '1.0-alpine']);
        // ...and its observers are told, judged from the stored findings, so that tag is promoted too.
        expect(eventsFor(digest).map((e) => [e.tag, e.verdict.outcome, e.redelivered])).toEqual([
            ['1.0', 'pass', false],
            ['1.0', 'pass', true],
            ['1.0-alpine', 'pass', false],
        ]);

        // The same digest pushed into another repository: judged for that repository, no new run.
        const elsewhere = scanRequest(server.loginServer, 'quarantine/other', digest, { tag: '2.0', requestedAt: new Date(Date.now() - 3_600_000).toISOString() });
        expect(await pipeline.handle({ queue: QUEUE, message: encodeScanRequest(elsewhere), dequeueCount: 1 }, silentLog())).toMatchObject({ status: 'already-scanned' });
        expect(server.runs().length).toBe(runsBefore + 1);
        expect(eventsFor(digest).at(-1)).toMatchObject({ repository: 'quarantine/other', tag: '2.0', verdict: { outcome: 'pass' } });
    });

    it('parks a malformed message in <queue>-poison with the reason, and a refused request after recording verdict error', async () => {
        const runsBefore = server.runs().length;
        const log = silentLog();
        const bad = Buffer.from(JSON.stringify({ schema: 'acr-guard.scan-request', version: 1, repository: 'quarantine/app;rm -rf /' })).toString('base64');
        expect(await pipeline.handle({ queue: QUEUE, message: bad, messageText: bad, dequeueCount: 1 }, log)).toMatchObject({ status: 'parked', reason: expect.stringMatching(/repository/) });
        expect(log.lines.join('\n')).toMatch(/malformed scan request/);

        // Valid by the schema, but not the guarded registry: the scanner refuses (not retryable).
        const digest = randomDigest();
        const foreign = scanRequest('evil.example.com', 'quarantine/app', digest);
        expect(await pipeline.handle({ queue: QUEUE, message: encodeScanRequest(foreign), dequeueCount: 1 }, silentLog())).toMatchObject({ status: 'parked', reason: expect.stringMatching(/invalid-request/) });
        expect(server.runs().length).toBe(runsBefore);
        expect((await store.getSummary(digest))?.verdict.outcome).toBe('error');
        expect(eventsFor(digest).map((e) => e.verdict.outcome)).toEqual(['error']);

        const parked = (await drainQueue(poison)).map(decodeParkedMessage);
        expect(parked).toEqual([
            expect.objectContaining({ schema: 'acr-guard.parked-message', queue: QUEUE, message: bad, reason: expect.stringMatching(/malformed scan request: invalid scan request/) }),
            expect.objectContaining({ queue: QUEUE, message: encodeScanRequest(foreign), reason: expect.stringMatching(/refused \(invalid-request\)/) }),
        ]);
    });

    it('throws (so the host redelivers) when an observer fails, after calling the others', async () => {
        server.onRun(trivyImageScanRun(() => noVulns));
        const { repository, digest } = image();
        const seen: string[] = [];
        const failing = new ScanPipeline({
            scanner: testScanner(server),
            store,
            policy: DEFAULT_POLICY,
            observers: [{ onVerdict: async () => Promise.reject(new Error('promotion unavailable')) }, { onVerdict: async (e) => void seen.push(e.digest) }],
            maxDequeueCount: MAX,
            parking: new QueueMessageParking((q) => new QueueClient(inject('azuriteConnectionString'), `${q}-poison`)),
        });
        await expect(failing.scan(scanRequest(server.loginServer, repository, digest), 1, silentLog())).rejects.toThrow(/promotion unavailable/);
        expect(seen).toEqual([digest]);
        expect((await store.getSummary(digest))?.verdict.outcome).toBe('pass');
    });
});
