import { evaluatePolicy } from '../policy/evaluatePolicy';
import type { GatePolicy } from '../policy/gatePolicy';
import type { Verdict } from '../policy/verdict';
import { ScannerError, type Scanner, type ScanResult } from '../registry/scanner';
import type { RecordOutcome, ScanRecord, ScanResultStore, ScanSummary } from '../results/scanResultStore';
import type { Finding } from '../trivy/finding';
import type { TrivyReport } from '../trivy/report';
import type { MessageParking } from '../storage/parkedMessages';
import { originalMessageText } from '../storage/queueTrigger';
import { newFindingsSince } from './newFindings';
import { decodeScanRequest, type ScanRequest } from './scanRequest';
import type { ScanVerdictEvent, VerdictObserver } from './verdictObserver';
import { AcrGuardError } from '../errors/acrGuardError';
import { errorMessage } from '../errors/errorMessage';
import { isRetryable } from '../errors/retryable';

export const SCANNER_NAME = 'trivy';

export interface ScanLog {
    log(...args: unknown[]): void;
    warn(...args: unknown[]): void;
    error(...args: unknown[]): void;
}

export interface ScanPipelineOptions {
    readonly scanner: Scanner;
    readonly store: ScanResultStore;
    readonly policy: GatePolicy;
    /** Called in this order after each recorded verdict (the composition root decides the order). */
    readonly observers: readonly VerdictObserver[];
    /** host.json extensions.queues.maxDequeueCount: the delivery with this dequeueCount is the last. */
    readonly maxDequeueCount: number;
    readonly parking: MessageParking;
    readonly now?: () => Date;
}

/** One delivery of a queue message, as the trigger gives it. */
export interface ScanDelivery {
    /** The queue it came from (`scan-requests` or `rescan-requests`): where a parked copy goes. */
    readonly queue: string;
    /** The trigger input (the host may have parsed the JSON already). */
    readonly message: unknown;
    /** The message text as received (kept in a parked copy); derived from `message` when absent. */
    readonly messageText?: string;
    /** 1 for the first delivery. */
    readonly dequeueCount: number;
}

export type ScanHandling =
    /** Scanned, judged, recorded (`recorded`, or `superseded` when a newer scan was already stored). */
    | { readonly status: 'scanned'; readonly verdict: Verdict; readonly recorded: RecordOutcome['status'] }
    /** This request's scan (or a newer one) was already recorded: no scan ran. */
    | { readonly status: 'already-scanned'; readonly scanId: string }
    /** Non-retryable: recorded as `error` where possible, copied to `<queue>-poison` with the reason, completed. */
    | { readonly status: 'parked'; readonly reason: string };

/**
 * Thrown so the host redelivers (or, on the last delivery, moves the message to `<queue>-poison`).
 * `final` is true when this was the last delivery and the `error` verdict was recorded.
 */
export class ScanAttemptError extends AcrGuardError {
    constructor(
        message: string,
        readonly final: boolean,
        options?: { cause?: unknown },
    ) {
        super(message, { code: 'scan-attempt-failed', retryable: !final, cause: options?.cause });
    }
}

interface ScanFailure {
    readonly code: string;
    readonly message: string;
    readonly retryable: boolean;
}

function scanFailure(err: unknown): ScanFailure {
    if (err instanceof ScannerError) return { code: err.code, message: err.message, retryable: err.retryable };
    return { code: 'scanner-failed', message: errorMessage(err), retryable: isRetryable(err) };
}

const describe = (r: ScanRequest) => `${r.repository}@${r.digest} (request ${r.requestId})`;

/**
 * One scan request, end to end, always by digest: scanner → Trivy report → gate policy → results
 * store → verdict observers. Fail closed: a scanner failure, time-out or unreadable report throws
 * (the host redelivers) until the last delivery, which records verdict `error` with the reason,
 * tells the observers and still throws, so the message ends in `<queue>-poison`. Nothing here ever
 * passes an image it could not judge.
 */
export class ScanPipeline {
    private readonly now: () => Date;

    constructor(private readonly options: ScanPipelineOptions) {
        if (!Number.isInteger(options.maxDequeueCount) || options.maxDequeueCount < 1) throw new RangeError('maxDequeueCount must be a whole number >= 1');
        this.now = options.now ?? (() => new Date());
    }

    /** A queue delivery: decode (a malformed message is parked with its reason), then scan. */
    async handle(delivery: ScanDelivery, log: ScanLog): Promise<ScanHandling> {
        const decoded = decodeScanRequest(delivery.message);
        if (!decoded.ok) {
            const reason = `malformed scan request: ${decoded.reason}`;
            log.error(`${delivery.queue}: ${reason}; parking the message in ${delivery.queue}-poison`);
            await this.options.parking.park(delivery.queue, messageTextOf(delivery), reason);
            return { status: 'parked', reason };
        }
        const handled = await this.scan(decoded.request, delivery.dequeueCount, log);
        if (handled.status === 'parked') await this.options.parking.park(delivery.queue, messageTextOf(delivery), handled.reason);
        return handled;
    }

    /**
     * Scans one request. Returns `parked` (without parking: `handle` does) for a request the
     * scanner refuses; throws ScanAttemptError for a retryable failure.
     */
    async scan(request: ScanRequest, dequeueCount: number, log: ScanLog): Promise<ScanHandling> {
        const { store } = this.options;
        const stored = await store.getSummary(request.digest);
        if (stored && this.alreadyScanned(stored, request)) return this.redelivered(request, stored, log);

        const scannedAt = this.now();
        let result: ScanResult;
        let report: TrivyReport;
        try {
            // The scanner checks that the report is about this digest (shared/registry/acrTaskScanner.ts).
            result = await this.options.scanner.scan({ registry: request.registry, repository: request.repository, digest: request.digest });
            report = result.report;
        } catch (err) {
            return this.failed(request, scanFailure(err), dequeueCount, stored, log, err);
        }

        const verdict = evaluatePolicy(this.options.policy, {
            repository: request.repository,
            digest: request.digest,
            report: { findings: report.findings, os: report.os },
            scannedAt,
            now: this.now(),
        });
        // What was stored before, read after the scan (closest to the write that replaces it).
        const before = await store.getSummary(request.digest);
        const previousFindings: readonly Finding[] = before?.generation ? await store.listFindings(request.digest) : [];
        const dbVersion = result.dbVersion ?? null;
        const newFindings = verdict.outcome === 'error' ? [] : newFindingsSince(report.findings, previousFindings);
        const record: ScanRecord = {
            registry: request.registry,
            repository: request.repository,
            digest: request.digest,
            tag: request.tag,
            scanId: request.requestId,
            scannedAt,
            scanner: { name: SCANNER_NAME, version: result.trivyVersion, dbVersion },
            os: report.os,
            verdict,
            findings: report.findings,
            // Stored with the scan, so a redelivery (an observer failed) rebuilds the same diff.
            newFindings,
        };
        const outcome = await store.recordScan(record);
        log.log(`scanned ${describe(request)} in run ${result.runId}: ${verdict.outcome} (${report.findings.length} findings, ${outcome.status})`);
        if (outcome.status === 'superseded') {
            // A newer scan of this digest is the verdict of record; telling observers about this
            // older one could promote on stale evidence.
            log.warn(`scan of ${describe(request)} was superseded by a newer stored scan; observers not called`);
        } else {
            await this.notify(
                {
                    ...eventBase(request, scannedAt, verdict),
                    previous: previousOf(before),
                    newFindings,
                    dbVersion,
                    redelivered: false,
                },
                log,
            );
        }
        return { status: 'scanned', verdict, recorded: outcome.status };
    }

    /**
     * Done already: the stored good verdict is this request's scan, or a scan that started after
     * the request was made (it answers the request just as well).
     */
    private alreadyScanned(stored: ScanSummary, request: ScanRequest): boolean {
        if (stored.generation === null) return false; // only errors on record: scan again
        return stored.scanId === request.requestId || stored.scannedAt.getTime() >= new Date(request.requestedAt).getTime();
    }

    private async redelivered(request: ScanRequest, stored: ScanSummary, log: ScanLog): Promise<ScanHandling> {
        if (request.tag !== null && !stored.tagsSeen.includes(request.tag)) {
            // Record only the tag: a record dated just before the stored scan is "superseded", and
            // the store then merges its tag and changes nothing else.
            await this.options.store.recordScan({
                registry: request.registry,
                repository: request.repository,
                digest: request.digest,
                tag: request.tag,
                scanId: request.requestId,
                scannedAt: new Date(stored.scannedAt.getTime() - 1),
                scanner: stored.scanner,
                os: stored.os,
                verdict: stored.verdict,
                findings: [],
            });
        }
        if (stored.scanId === request.requestId) {
            // The first delivery recorded it but may have failed before every observer had it.
            // Observers are idempotent (alerts dedup), so they get the same event again, new
            // findings included (stored with the scan): e.g. the new-vulnerability alert.
            log.log(`scan of ${describe(request)} already recorded (${stored.verdict.outcome}); no new scan, observers told again`);
            const newFindings = stored.generation && stored.verdict.outcome !== 'error' ? await this.options.store.listNewFindings(request.digest, stored.generation) : [];
            await this.notify(
                {
                    ...eventBase(request, stored.scannedAt, stored.verdict),
                    previous: stored.previous ? { outcome: stored.previous.outcome, scannedAt: stored.previous.scannedAt, dbVersion: null } : null,
                    newFindings,
                    dbVersion: stored.scanner.dbVersion,
                    redelivered: true,
                },
                log,
            );
        } else {
            // Another request (another tag or repository, same digest) already brought this
            // digest's evidence. Judge it for this request's repository (rules differ per
            // repository) and tell the observers, so quarantine/app:latest is promoted like
            // quarantine/app:1.0 was, without a second ACR Task run.
            const findings = await this.options.store.listFindings(request.digest);
            const verdict = evaluatePolicy(this.options.policy, {
                repository: request.repository,
                digest: request.digest,
                report: { findings, os: stored.os },
                scannedAt: stored.scannedAt,
                now: this.now(),
            });
            log.log(`${describe(request)}: answered by the stored scan ${stored.scanId} (${stored.scannedAt.toISOString()}): ${verdict.outcome} for ${request.repository}; no new scan`);
            await this.notify(
                { ...eventBase(request, stored.scannedAt, verdict), previous: null, newFindings: [], dbVersion: stored.scanner.dbVersion, redelivered: false },
                log,
            );
        }
        return { status: 'already-scanned', scanId: stored.scanId };
    }

    private async failed(request: ScanRequest, failure: ScanFailure, dequeueCount: number, stored: ScanSummary | null, log: ScanLog, cause: unknown): Promise<ScanHandling> {
        const { maxDequeueCount } = this.options;
        const last = !failure.retryable || dequeueCount >= maxDequeueCount;
        const what = `scan of ${describe(request)} failed (${failure.code}) on delivery ${dequeueCount} of ${maxDequeueCount}: ${failure.message}`;
        if (!last) {
            log.warn(`${what}; the host will retry`);
            throw new ScanAttemptError(what, false, { cause });
        }
        const scannedAt = this.now();
        const verdict: Verdict = {
            outcome: 'error',
            reasons: [
                {
                    code: 'scanner-error',
                    message: failure.retryable
                        ? `the scan failed ${dequeueCount} time(s) (${failure.code}): ${failure.message}`
                        : `the scan was refused (${failure.code}): ${failure.message}`,
                },
            ],
        };
        const outcome = await this.options.store.recordScan({
            registry: request.registry,
            repository: request.repository,
            digest: request.digest,
            tag: request.tag,
            scanId: request.requestId,
            scannedAt,
            scanner: { name: SCANNER_NAME, version: null, dbVersion: null },
            os: null,
            verdict,
            findings: [],
        });
        log.error(`${what}; recorded verdict error${outcome.keptLastGood ? ' (the last good verdict is kept)' : ''}`);
        await this.notify({ ...eventBase(request, scannedAt, verdict), previous: previousOf(stored), newFindings: [], dbVersion: null, redelivered: false }, log);
        if (!failure.retryable) return { status: 'parked', reason: verdict.reasons[0]!.message };
        throw new ScanAttemptError(`${what}; verdict error recorded, the message goes to the poison queue`, true, { cause });
    }

    /** Calls every observer (all of them, even when one fails); any failure throws so the host redelivers. */
    private async notify(event: ScanVerdictEvent, log: ScanLog): Promise<void> {
        const observers = this.options.observers;
        const results = await Promise.allSettled(observers.map((o) => o.onVerdict(event)));
        const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
        if (failures.length === 0) return;
        const messages = failures.map((f) => (f instanceof Error ? f.message : String(f)));
        log.error(`${failures.length} of ${observers.length} verdict observer(s) failed for ${event.repository}@${event.digest}: ${messages.join('; ')}`);
        throw new AggregateError(failures, `verdict observers failed: ${messages.join('; ')}`);
    }
}

function eventBase(request: ScanRequest, scannedAt: Date, verdict: Verdict) {
    return {
        registry: request.registry,
        repository: request.repository,
        digest: request.digest,
        tag: request.tag,
        scanId: request.requestId,
        reason: request.reason,
        scannedAt,
        verdict,
    };
}

function previousOf(summary: ScanSummary | null): ScanVerdictEvent['previous'] {
    if (!summary) return null;
    return { outcome: summary.verdict.outcome, scannedAt: summary.scannedAt, dbVersion: summary.scanner.dbVersion };
}

function messageTextOf(delivery: ScanDelivery): string {
    return originalMessageText(delivery.message, delivery.messageText);
}
