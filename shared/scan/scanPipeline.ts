import { createHash, randomUUID } from 'node:crypto';
import { classifyManifest, type ArtifactClassification } from '../oci/artifactKind';
import { planIndex, type IndexPlan } from '../oci/indexChildren';
import { parseManifest, type ImageIndex } from '../oci/manifest';
import type { ManifestReader } from '../oci/manifestReader';
import { artifactRule } from '../policy/artifactRule';
import { evaluatePolicy, resolveRule } from '../policy/evaluatePolicy';
import type { GatePolicy } from '../policy/gatePolicy';
import { judgeIndex } from '../policy/indexVerdict';
import type { Verdict, VerdictReason } from '../policy/verdict';
import { ScannerError, type ScanResult, type ScanRuns } from '../registry/scanner';
import type { RecordOutcome, ScanRecord, ScanResultStore, ScanSummary, SummarySnapshot } from '../results/scanResultStore';
import type { Finding } from '../trivy/finding';
import type { MessageParking } from '../storage/parkedMessages';
import { originalMessageText } from '../storage/queueTrigger';
import { newFindingsSince } from './newFindings';
import { decodeScanMessage, type ScanMessage, type ScanMessageSink } from './scanMessage';
import { LeaseLost, type AnswerKey, type ScanLease, type ScanLeaseStore } from './scanLeaseStore';
import type { ScanVerdictEvent, VerdictObserver } from './verdictObserver';
import { AcrGuardError } from '../errors/acrGuardError';
import { errorMessage } from '../errors/errorMessage';
import { isRetryable } from '../errors/retryable';

export const SCANNER_NAME = 'trivy';

/** A lease still `scheduling` after this long was abandoned (its delivery died before recording a run id). */
export const SCHEDULING_LIMIT_MS = 5 * 60_000;
/** A lease still `recording`, or an answer still claimed, after this long was abandoned. */
export const RECORDING_LIMIT_MS = 10 * 60_000;
/** A verdict recorded this recently answers a new request of the same digest without a new run (default). */
export const DEFAULT_REUSE_WITHIN_MS = 15 * 60_000;
/** How long a check message waits before looking at a run again (default). */
export const DEFAULT_CHECK_DELAY_SECONDS = 30;

export interface ScanLog {
    log(...args: unknown[]): void;
    warn(...args: unknown[]): void;
    error(...args: unknown[]): void;
}

export interface ScanPipelineOptions {
    /** The guarded registry's login server (ACR_GUARD_REGISTRY_LOGIN_SERVER): a request naming any other is refused. */
    readonly registry: string;
    readonly scans: ScanRuns;
    readonly manifests: ManifestReader;
    readonly leases: ScanLeaseStore;
    readonly store: ScanResultStore;
    readonly policy: GatePolicy;
    /** Called in this order after each recorded verdict (the composition root decides the order). */
    readonly observers: readonly VerdictObserver[];
    /** host.json extensions.queues.maxDequeueCount: the delivery with this dequeueCount is the last; also the most runs one lease schedules. */
    readonly maxDequeueCount: number;
    readonly parking: MessageParking;
    /** Where check and child messages go (back on the queue the request came from). */
    readonly messages: ScanMessageSink;
    /** The longest a scan run may take (its own time limit plus head room): past it, the run is given up. */
    readonly runDeadlineSeconds: number;
    readonly checkDelaySeconds?: number;
    readonly reuseWithinMs?: number;
    readonly now?: () => Date;
}

/** One delivery of a queue message, as the trigger gives it. */
export interface ScanDelivery {
    /** The queue it came from (`scan-requests` or `rescan-requests`): where a parked copy and check messages go. */
    readonly queue: string;
    /** The trigger input (the host may have parsed the JSON already). */
    readonly message: unknown;
    /** The message text as received (kept in a parked copy); derived from `message` when absent. */
    readonly messageText?: string;
    /** 1 for the first delivery. */
    readonly dequeueCount: number;
}

/** A delivery as the pipeline tracks it: with an id of its own (duplicates of one request share the request id). */
interface Delivery extends ScanDelivery {
    readonly id: string;
}

export type ScanHandling =
    /** This delivery recorded a verdict (`recorded`, `error-recorded`, or `superseded` when a newer scan was already stored). */
    | { readonly status: 'scanned'; readonly verdict: Verdict; readonly recorded: RecordOutcome['status'] }
    /** Answered from a recorded scan (this request's, or a recent one of the same digest): no run. */
    | { readonly status: 'already-scanned'; readonly scanId: string }
    /** A run (or an index's child scans) was scheduled; a check message follows it. */
    | { readonly status: 'scheduled'; readonly runId: string }
    /** Another delivery's run or record is under way: a check message comes back later. */
    | { readonly status: 'waiting'; readonly reason: string }
    /** Not an image acr-guard scans (a Helm chart, an artifact without a subject): held with a `fail` verdict. */
    | { readonly status: 'held'; readonly verdict: Verdict }
    /** A referrer (signature, SBOM, attestation): never promoted on its own, it stays with its subject. */
    | { readonly status: 'follows-subject'; readonly subjectDigest: string }
    /** Refused: recorded as `error` where that makes sense, copied to `<queue>-poison` with the reason, completed. */
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
    if (err instanceof AcrGuardError) return { code: err.code, message: err.message, retryable: err.retryable };
    return { code: 'scanner-failed', message: errorMessage(err), retryable: isRetryable(err) };
}

const describe = (r: ScanMessage) => `${r.repository}@${r.digest} (request ${r.requestId})`;

/** What a top-level request turned out to be. */
type Classified = { readonly kind: 'image' } | { readonly kind: 'index'; readonly plan: IndexPlan };

/**
 * One scan request, end to end, always by digest, never waiting for a run inside an invocation
 * (shared/scan/README.md):
 * 1. trust: only the configured registry is scanned; a request naming another is parked;
 * 2. classify (manifest reader → parseManifest → classifyManifest → artifactRule): an image is
 *    scanned, an index is scanned through its image children (each a request of its own), a Helm
 *    chart or an artifact without a subject is held with a `fail` verdict, a referrer follows its
 *    subject (never promoted on its own);
 * 3. one scan per digest: the digest's lease (conditional insert) decides who schedules the run;
 *    everyone else joins it; a verdict recorded within `reuseWithinMs` (our clock, our records:
 *    never the message's `requestedAt`) answers a new request without a new run;
 * 4. schedule the run, record its id (and nonce) on the lease, queue a delayed check;
 * 5. a check looks at the run: unfinished → check again later; failed → a new run (up to
 *    maxDequeueCount runs), then verdict `error`; finished → collect the verified report, judge it,
 *    read the summary ONCE, record, mark the lease done;
 * 6. answer: the observers are told once per (recorded scan, repository, tag) (an answer claim in
 *    the lease table), so duplicates never promote or alert twice.
 * Fail closed throughout: nothing that was not judged is ever passed to the observers as `pass`.
 */
export class ScanPipeline {
    private readonly now: () => Date;
    private readonly checkDelaySeconds: number;
    private readonly reuseWithinMs: number;

    constructor(private readonly options: ScanPipelineOptions) {
        if (!Number.isInteger(options.maxDequeueCount) || options.maxDequeueCount < 1) throw new RangeError('maxDequeueCount must be a whole number >= 1');
        this.now = options.now ?? (() => new Date());
        this.checkDelaySeconds = options.checkDelaySeconds ?? DEFAULT_CHECK_DELAY_SECONDS;
        this.reuseWithinMs = options.reuseWithinMs ?? DEFAULT_REUSE_WITHIN_MS;
    }

    /** A queue delivery: decode (a malformed message is parked with its reason), check trust, then the step. */
    /** Records a verdict that no report of this digest backs (a failed scan, an index judged from its children). */
    private async recordWithoutFindings(message: ScanMessage, scanId: string, scannedAt: Date, verdict: Verdict) {
        const before = await this.options.store.getSummarySnapshot(message.digest);
        const outcome = await this.options.store.recordScan(
            {
                registry: message.registry,
                repository: message.repository,
                digest: message.digest,
                tag: message.tag,
                scanId,
                scannedAt,
                scanner: { name: SCANNER_NAME, version: null, dbVersion: null },
                os: null,
                verdict,
                findings: [],
            },
            { current: before },
        );
        return { before, outcome };
    }

    async handle(received: ScanDelivery, log: ScanLog): Promise<ScanHandling> {
        const delivery: Delivery = { ...received, id: randomUUID() };
        const decoded = decodeScanMessage(delivery.message);
        let handled: ScanHandling;
        if (!decoded.ok) {
            handled = { status: 'parked', reason: `malformed scan request: ${decoded.reason}` };
        } else if (decoded.request.registry.toLowerCase() !== this.options.registry.toLowerCase()) {
            // Message trust: the queue is ours, but what is in it is checked like any input.
            handled = {
                status: 'parked',
                reason: `foreign-registry: the request names ${JSON.stringify(decoded.request.registry.slice(0, 80))}; only ${this.options.registry} is scanned`,
            };
        } else {
            const message = decoded.request;
            handled = message.step === 'scan' ? await this.scanStep(message, delivery, log) : await this.checkStep(message, delivery, log);
        }
        if (handled.status === 'parked') {
            log.error(`${delivery.queue}: ${handled.reason}; parking the message in ${delivery.queue}-poison`);
            await this.options.parking.park(delivery.queue, originalMessageText(delivery.message, delivery.messageText), handled.reason);
        }
        return handled;
    }

    // ---- step 'scan' --------------------------------------------------------------------------

    private async scanStep(message: ScanMessage, delivery: Delivery, log: ScanLog): Promise<ScanHandling> {
        let classified: Classified;
        if (message.parent !== null) {
            classified = { kind: 'image' }; // a platform child: its index was classified already
        } else {
            let artifact: ArtifactClassification;
            let manifest;
            try {
                const raw = await this.options.manifests.read(message.repository, message.digest);
                manifest = parseManifest(raw.bytes, raw.contentType, `manifest ${message.repository}@${message.digest}`);
                artifact = classifyManifest(manifest);
            } catch (err) {
                return this.failBeforeRun(message, scanFailure(err), delivery, log, err);
            }
            const rule = artifactRule(artifact);
            if (rule.action === 'hold') return this.hold(message, artifact, rule.verdict, log);
            if (rule.action === 'follow-subject') {
                // docs/artifacts.md: a referrer is not scanned and never promoted on its own; it stays
                // in quarantine with its subject. Nothing is recorded under its digest, so no observer
                // (promotion) ever acts on it.
                log.log(`${describe(message)}: ${artifact.kind} (${artifact.why}) follows its subject ${rule.subjectDigest}: not scanned, not promoted on its own`);
                return { status: 'follows-subject', subjectDigest: rule.subjectDigest };
            }
            classified = rule.action === 'scan-children' ? { kind: 'index', plan: await this.verifiedPlan(message, manifest as ImageIndex, log) } : { kind: 'image' };
        }
        const acquired = await this.options.leases.acquire(message.digest, classified.kind, message.requestId, this.now(), message.platform);
        if (acquired.acquired) return this.begin(message, acquired.lease, classified, delivery, log);
        return this.join(message, acquired.lease, classified, delivery, log);
    }

    /**
     * Another delivery holds the digest's lease. Join its result, wait for it, or (when its verdict
     * is too old by our own records, or it was abandoned) take the lease over and scan.
     */
    private async join(message: ScanMessage, lease: ScanLease, classified: Classified | null, delivery: Delivery, log: ScanLog): Promise<ScanHandling> {
        const now = this.now();
        if (lease.state === 'done') {
            const fresh = lease.finishedAt !== null && now.getTime() - lease.finishedAt.getTime() <= this.reuseWithinMs;
            if (lease.scanId !== null && (lease.scanId === message.requestId || fresh)) return this.answer(message, lease.scanId, null, delivery, log);
            return this.takeOver(message, lease, classified, delivery, log, 'the recorded verdict is older than the reuse window');
        }
        if (lease.state === 'scheduling' && now.getTime() - lease.since.getTime() > SCHEDULING_LIMIT_MS) {
            return this.takeOver(message, lease, classified, delivery, log, 'the delivery that took the lease never recorded a run');
        }
        await this.sendCheck(message, delivery);
        return { status: 'waiting', reason: `${lease.kind} scan of ${message.digest} is ${lease.state} (request ${lease.owner})` };
    }

    private async takeOver(message: ScanMessage, lease: ScanLease, classified: Classified | null, delivery: Delivery, log: ScanLog, why: string): Promise<ScanHandling> {
        if (classified === null) {
            // A check that finds nothing to join: decide from scratch, as a scan step.
            return this.scanStep({ ...message, step: 'scan' }, delivery, log);
        }
        let taken: ScanLease;
        try {
            taken = await this.options.leases.change(lease, {
                kind: classified.kind,
                state: 'scheduling',
                owner: message.requestId,
                holder: message.requestId,
                since: this.now(),
                runId: null,
                nonce: null,
                platform: message.platform,
                attempts: 0,
                scanId: null,
                outcome: null,
                finishedAt: null,
            });
        } catch (err) {
            if (!(err instanceof LeaseLost)) throw err;
            const current = await this.options.leases.get(message.digest);
            if (!current) return this.scanStep(message, delivery, log);
            return this.join(message, current, classified, delivery, log);
        }
        log.log(`${describe(message)}: took over the scan lease (${why})`);
        return this.begin(message, taken, classified, delivery, log);
    }

    /** This delivery holds the lease in state `scheduling`: schedule, record the run id, queue the check. */
    private async begin(message: ScanMessage, lease: ScanLease, classified: Classified, delivery: Delivery, log: ScanLog): Promise<ScanHandling> {
        if (classified.kind === 'index') return this.beginIndex(message, lease, classified.plan, delivery, log);
        let started;
        try {
            started = await this.options.scans.start({
                registry: message.registry,
                repository: message.repository,
                digest: message.digest,
                ...(message.platform !== null ? { platform: message.platform } : {}),
            });
        } catch (err) {
            const failure = scanFailure(err);
            const last = !failure.retryable || delivery.dequeueCount >= this.options.maxDequeueCount;
            if (!last) {
                // Let the redelivery (or anyone) take the lease at once: no run was scheduled.
                await this.options.leases.change(lease, { since: new Date(0) }).catch(() => undefined);
                log.warn(`could not schedule the scan of ${describe(message)} (${failure.code}): ${failure.message}; the host will retry`);
                throw new ScanAttemptError(`scheduling the scan of ${describe(message)} failed: ${failure.message}`, false, { cause: err });
            }
            return this.recordFailure(message, lease, failure, delivery, log);
        }
        // The run id first: a redelivery from here on finds the run instead of starting another.
        try {
            await this.options.leases.change(lease, { state: 'running', runId: started.runId, nonce: started.nonce, since: this.now(), attempts: lease.attempts + 1 });
        } catch (err) {
            if (!(err instanceof LeaseLost)) throw err;
            log.warn(`${describe(message)}: the lease was taken over while run ${started.runId} was scheduled; that run is not used`);
        }
        log.log(`${describe(message)}: scan run ${started.runId} scheduled; checking again in ${this.checkDelaySeconds} s`);
        await this.sendCheck(message, delivery);
        return { status: 'scheduled', runId: started.runId };
    }

    // ---- step 'check' -------------------------------------------------------------------------

    private async checkStep(message: ScanMessage, delivery: Delivery, log: ScanLog): Promise<ScanHandling> {
        const lease = await this.options.leases.get(message.digest);
        if (!lease) return this.scanStep({ ...message, step: 'scan' }, delivery, log);
        if (lease.state === 'done' || lease.state === 'scheduling') return this.join(message, lease, null, delivery, log);
        if (lease.kind === 'index') return this.checkIndex(message, lease, delivery, log);
        const now = this.now();
        if (lease.state === 'recording' && now.getTime() - lease.since.getTime() <= RECORDING_LIMIT_MS) {
            await this.sendCheck(message, delivery);
            return { status: 'waiting', reason: `the verdict of ${message.digest} is being recorded by delivery ${lease.holder}` };
        }
        if (lease.state === 'running') {
            let state;
            try {
                state = await this.options.scans.state(lease.runId as string);
            } catch (err) {
                log.warn(`${describe(message)}: run ${lease.runId} could not be looked at (${errorMessage(err)}); checking again later`);
                await this.sendCheck(message, delivery);
                return { status: 'waiting', reason: 'the run could not be looked at' };
            }
            if (!state.finished) {
                if (now.getTime() - lease.since.getTime() > this.options.runDeadlineSeconds * 1000) {
                    return this.runFailed(message, lease, new ScannerError('timeout', `run ${lease.runId} did not finish within ${this.options.runDeadlineSeconds} s (last status ${state.status})`, lease.runId ?? undefined), delivery, log);
                }
                await this.sendCheck(message, delivery);
                return { status: 'waiting', reason: `run ${lease.runId} is ${state.status}` };
            }
        }
        // Finished (or an abandoned record): this delivery records. The lease names who does.
        let recording: ScanLease;
        try {
            recording = await this.options.leases.change(lease, { state: 'recording', holder: delivery.id, since: now });
        } catch (err) {
            if (!(err instanceof LeaseLost)) throw err;
            return this.checkStep(message, delivery, log);
        }
        // The scan started when its run was scheduled (the `running` state's start).
        const scannedAt = lease.state === 'running' ? lease.since : now;
        let result: ScanResult;
        try {
            result = await this.options.scans.collect(
                { registry: message.registry, repository: message.repository, digest: message.digest },
                { runId: lease.runId as string, nonce: lease.nonce as string },
            );
        } catch (err) {
            return this.runFailed(message, recording, err, delivery, log);
        }
        try {
            return await this.recordResult(message, recording, result, scannedAt, delivery, log);
        } catch (err) {
            // Hand the run back so the redelivery (or any check) records it at once, not after RECORDING_LIMIT_MS.
            await this.options.leases.change(recording, { state: 'running', since: scannedAt }).catch(() => undefined);
            throw err;
        }
    }

    /** A run failed, timed out or gave an unusable report: a new run while runs are left, else verdict `error`. */
    private async runFailed(message: ScanMessage, lease: ScanLease, err: unknown, delivery: Delivery, log: ScanLog): Promise<ScanHandling> {
        const failure = scanFailure(err);
        if (failure.retryable && lease.attempts < this.options.maxDequeueCount) {
            log.warn(`scan of ${describe(message)}: run ${lease.runId} (attempt ${lease.attempts} of ${this.options.maxDequeueCount}) failed (${failure.code}): ${failure.message}; scheduling a new run`);
            return this.begin(message, lease, { kind: 'image' }, delivery, log);
        }
        return this.recordFailure(message, lease, { ...failure, message: `${failure.message} (after ${lease.attempts} run(s))` }, delivery, log);
    }

    private async recordResult(message: ScanMessage, lease: ScanLease, result: ScanResult, scannedAt: Date, delivery: Delivery, log: ScanLog): Promise<ScanHandling> {
        const { store } = this.options;
        const report = result.report;
        const scanId = lease.owner;
        const verdict = evaluatePolicy(this.options.policy, {
            repository: message.repository,
            digest: message.digest,
            report: { findings: report.findings, os: report.os },
            scannedAt,
            now: this.now(),
        });
        // The one read of the digest's summary on the scan path: what was stored before, handed to
        // listFindings and recordScan so neither reads it again.
        const before = await store.getSummarySnapshot(message.digest);
        const previousFindings: readonly Finding[] = before?.summary.generation ? await store.listFindings(message.digest, { current: before }) : [];
        const dbVersion = result.dbVersion ?? null;
        const newFindings = verdict.outcome === 'error' ? [] : newFindingsSince(report.findings, previousFindings);
        const record: ScanRecord = {
            registry: message.registry,
            repository: message.repository,
            digest: message.digest,
            tag: message.tag,
            scanId,
            scannedAt,
            scanner: { name: SCANNER_NAME, version: result.trivyVersion, dbVersion },
            os: report.os,
            verdict,
            findings: report.findings,
            // Stored with the scan, so a redelivery (an observer failed) rebuilds the same diff.
            newFindings,
        };
        const outcome = await store.recordScan(record, { current: before });
        await this.finish(lease, scanId, verdict.outcome);
        log.log(`scanned ${describe(message)} in run ${result.runId}: ${verdict.outcome} (${report.findings.length} findings, ${outcome.status})`);
        if (outcome.status === 'superseded') {
            // A newer scan of this digest is the verdict of record; telling observers about this
            // older one could promote on stale evidence.
            log.warn(`scan of ${describe(message)} was superseded by a newer stored scan; observers not called`);
            return { status: 'scanned', verdict, recorded: outcome.status };
        }
        const event: ScanVerdictEvent = {
            ...eventBase(message, scanId, scannedAt, verdict),
            previous: previousOf(before?.summary ?? null),
            newFindings,
            dbVersion,
            redelivered: false,
        };
        const answered = await this.answer(message, scanId, event, delivery, log);
        return answered.status === 'waiting' ? answered : { status: 'scanned', verdict, recorded: outcome.status };
    }

    private async finish(lease: ScanLease, scanId: string, outcome: Verdict['outcome']): Promise<void> {
        const at = this.now();
        try {
            await this.options.leases.change(lease, { state: 'done', scanId, outcome, finishedAt: at, since: at });
        } catch (err) {
            if (!(err instanceof LeaseLost)) throw err;
            // Taken over after our record started (we were too slow): our verdict is recorded; the new holder scans again.
        }
    }

    /**
     * Records verdict `error` (the store keeps a last good verdict), marks the lease done, tells
     * the observers; a request the scanner refuses is parked with the reason.
     */
    private async recordFailure(message: ScanMessage, lease: ScanLease | null, failure: ScanFailure, delivery: Delivery, log: ScanLog): Promise<ScanHandling> {
        const scannedAt = this.now();
        const scanId = lease?.owner ?? message.requestId;
        const verdict: Verdict = {
            outcome: 'error',
            reasons: [
                {
                    code: 'scanner-error',
                    message: failure.retryable ? `the scan failed (${failure.code}): ${failure.message}` : `the scan was refused (${failure.code}): ${failure.message}`,
                },
            ],
        };
        const { before, outcome } = await this.recordWithoutFindings(message, scanId, scannedAt, verdict);
        if (lease) await this.finish(lease, scanId, 'error');
        log.error(`scan of ${describe(message)} failed (${failure.code}) on delivery ${delivery.dequeueCount}: ${failure.message}; recorded verdict error${outcome.keptLastGood ? ' (the last good verdict is kept)' : ''}`);
        await this.answer(message, scanId, { ...eventBase(message, scanId, scannedAt, verdict), previous: previousOf(before?.summary ?? null), newFindings: [], dbVersion: null, redelivered: false }, delivery, log);
        if (!failure.retryable) return { status: 'parked', reason: verdict.reasons[0]!.message };
        return { status: 'scanned', verdict, recorded: outcome.status };
    }

    /** A failure before any run (the manifest cannot be read or parsed): retried by the host while deliveries are left. */
    private async failBeforeRun(message: ScanMessage, failure: ScanFailure, delivery: Delivery, log: ScanLog, cause: unknown): Promise<ScanHandling> {
        const last = !failure.retryable || delivery.dequeueCount >= this.options.maxDequeueCount;
        if (!last) {
            log.warn(`${describe(message)}: ${failure.message}; the host will retry`);
            throw new ScanAttemptError(`${describe(message)}: ${failure.message}`, false, { cause });
        }
        // Refused for good: the verdict says why, and the message is kept with the reason.
        return this.recordFailure(message, null, { ...failure, retryable: false }, delivery, log);
    }

    // ---- artifacts that are not images (docs/artifacts.md) ------------------------------------

    private async hold(message: ScanMessage, artifact: ArtifactClassification, verdict: Verdict, log: ScanLog): Promise<ScanHandling> {
        const scannedAt = this.now();
        const before = await this.options.store.getSummarySnapshot(message.digest);
        if (before && before.summary.verdict.outcome === 'fail' && before.summary.verdict.reasons.some((r) => r.code === verdict.reasons[0]?.code)) {
            if (message.tag !== null && !before.summary.tagsSeen.includes(message.tag)) await this.options.store.addTag(message.digest, message.tag, { current: before });
            return { status: 'held', verdict: before.summary.verdict };
        }
        await this.options.store.recordScan(
            {
                registry: message.registry,
                repository: message.repository,
                digest: message.digest,
                tag: message.tag,
                scanId: message.requestId,
                scannedAt,
                scanner: { name: 'acr-guard', version: null, dbVersion: null },
                os: null,
                verdict,
                findings: [],
            },
            { current: before },
        );
        log.log(`${describe(message)}: ${artifact.kind} (${artifact.why}) held in quarantine: ${verdict.reasons.map((r) => r.code).join(', ')}`);
        await this.notify({ ...eventBase(message, message.requestId, scannedAt, verdict), previous: previousOf(before?.summary ?? null), newFindings: [], dbVersion: null, redelivered: false }, log);
        return { status: 'held', verdict };
    }

    // ---- indexes: every image child scanned by its own digest ---------------------------------

    /**
     * planIndex, then each buildx attestation entry is read and must classify as `attestation`
     * (docs/artifacts.md): a runnable image behind the annotation makes the entry unsupported.
     */
    private async verifiedPlan(message: ScanMessage, index: ImageIndex, log: ScanLog): Promise<IndexPlan> {
        const plan = planIndex(index);
        const attestations = [];
        const unsupported = [...plan.unsupported];
        for (const a of plan.attestations) {
            let kind: string;
            try {
                const raw = await this.options.manifests.read(message.repository, a.digest);
                kind = classifyManifest(parseManifest(raw.bytes, raw.contentType, `attestation ${a.digest}`)).kind;
            } catch (err) {
                if (isRetryable(err)) throw err;
                kind = `unreadable (${errorMessage(err)})`;
            }
            if (kind === 'attestation') attestations.push(a);
            else {
                log.warn(`${describe(message)}: attestation entry ${a.digest} is ${kind}, not an attestation: the index cannot pass`);
                unsupported.push({ digest: a.digest, mediaType: 'attestation-manifest', reason: `the attestation entry is ${kind}, not an attestation` });
            }
        }
        return { images: plan.images, attestations, unsupported };
    }

    private async beginIndex(message: ScanMessage, lease: ScanLease, plan: IndexPlan, delivery: Delivery, log: ScanLog): Promise<ScanHandling> {
        // Each image child is a request of its own on the same queue: scanned in parallel, under its
        // own digest lease (one scan per child digest, whatever else pushed it).
        for (const child of plan.images) {
            await this.options.messages.send(
                delivery.queue,
                {
                    ...message,
                    step: 'scan',
                    requestId: childRequestId(message.requestId, child.digest),
                    digest: child.digest,
                    tag: null,
                    parent: { digest: message.digest, repository: message.repository },
                    platform: child.platform,
                },
                0,
            );
        }
        try {
            await this.options.leases.change(lease, { state: 'running', runId: `children:${plan.images.length}`, since: this.now(), attempts: lease.attempts + 1 });
        } catch (err) {
            if (!(err instanceof LeaseLost)) throw err;
        }
        log.log(`${describe(message)}: index with ${plan.images.length} image child(ren), ${plan.attestations.length} attestation(s), ${plan.unsupported.length} unsupported; child scans queued`);
        await this.sendCheck(message, delivery);
        return { status: 'scheduled', runId: `children:${plan.images.length}` };
    }

    private async checkIndex(message: ScanMessage, lease: ScanLease, delivery: Delivery, log: ScanLog): Promise<ScanHandling> {
        const now = this.now();
        if (lease.state === 'recording' && now.getTime() - lease.since.getTime() <= RECORDING_LIMIT_MS) {
            await this.sendCheck(message, delivery);
            return { status: 'waiting', reason: `the verdict of index ${message.digest} is being recorded by delivery ${lease.holder}` };
        }
        let plan: IndexPlan;
        try {
            const raw = await this.options.manifests.read(message.repository, message.digest);
            plan = await this.verifiedPlan(message, parseManifest(raw.bytes, raw.contentType) as ImageIndex, log);
        } catch (err) {
            return this.failBeforeRun(message, scanFailure(err), delivery, log, err);
        }
        // A child counts as judged when its own lease says its scan finished after this index's
        // child scans were queued (or recently enough to have answered them): our records, not the message.
        const started = lease.since.getTime() - this.reuseWithinMs;
        const childVerdicts = new Map<string, Pick<Verdict, 'outcome' | 'reasons'>>();
        for (const child of plan.images) {
            const childLease = await this.options.leases.get(child.digest);
            if (childLease?.state !== 'done' || !childLease.finishedAt || childLease.finishedAt.getTime() < started) continue;
            const summary = await this.options.store.getSummary(child.digest);
            if (!summary) continue;
            childVerdicts.set(child.digest, childLease.outcome === 'error' && summary.lastError ? { outcome: 'error', reasons: summary.lastError.reasons } : summary.verdict);
        }
        const pending = plan.images.filter((c) => !childVerdicts.has(c.digest));
        if (pending.length > 0 && now.getTime() - lease.since.getTime() <= this.options.runDeadlineSeconds * 1000) {
            await this.sendCheck(message, delivery);
            return { status: 'waiting', reason: `${pending.length} of ${plan.images.length} child scan(s) of ${message.digest} not recorded yet` };
        }
        let recording: ScanLease;
        try {
            recording = await this.options.leases.change(lease, { state: 'recording', holder: delivery.id, since: now });
        } catch (err) {
            if (!(err instanceof LeaseLost)) throw err;
            return this.checkStep(message, delivery, log);
        }
        const judged = judgeIndex({ plan, childVerdicts, rule: resolveRule(this.options.policy, message.repository) });
        // The summary shows each child's verdict: one reason per image child, after the index's own.
        const perChild: VerdictReason[] = judged.children.map((c) => ({
            code: `child-${c.outcome}`,
            message: `${c.platform ?? '(no platform)'} ${c.digest}: ${c.outcome}${c.reasons.length ? ` (${c.reasons.map((r) => r.code).join(', ')})` : ''}`,
        }));
        const attested: VerdictReason[] = judged.attestations.map((a) => ({ code: 'attestation-recorded', message: `attestation ${a.digest} of ${a.describes}: recorded, not scanned` }));
        const verdict: Verdict = { outcome: judged.outcome, reasons: [...judged.reasons, ...perChild, ...attested], rule: resolveRule(this.options.policy, message.repository) };
        const scanId = lease.owner;
        const scannedAt = lease.since;
        const { before, outcome } = await this.recordWithoutFindings(message, scanId, scannedAt, verdict);
        await this.finish(recording, scanId, verdict.outcome);
        log.log(`index ${describe(message)}: ${verdict.outcome} (${judged.children.map((c) => `${c.platform ?? '?'} ${c.outcome}`).join(', ')})`);
        if (outcome.status === 'superseded') return { status: 'scanned', verdict, recorded: outcome.status };
        await this.answer(message, scanId, { ...eventBase(message, scanId, scannedAt, verdict), previous: previousOf(before?.summary ?? null), newFindings: [], dbVersion: null, redelivered: false }, delivery, log);
        return { status: 'scanned', verdict, recorded: outcome.status };
    }

    // ---- answering: observers told once per (recorded scan, repository, tag) -------------------

    /**
     * Tells the observers about `scanId`'s verdict for this request. `event` is given when this
     * delivery just recorded the scan; otherwise it is rebuilt from the store (one summary read),
     * judged for this request's repository. A platform child's request tells nobody: its index does.
     */
    private async answer(message: ScanMessage, scanId: string, event: ScanVerdictEvent | null, delivery: Delivery, log: ScanLog): Promise<ScanHandling> {
        if (message.parent !== null) return { status: 'already-scanned', scanId };
        const key: AnswerKey = { digest: message.digest, scanId, repository: message.repository, tag: message.tag };
        const claim = await this.options.leases.claimAnswer(key, delivery.id, this.now(), RECORDING_LIMIT_MS);
        if (claim.status === 'answered') {
            log.log(`${describe(message)}: answered already by scan ${scanId}; nothing to do`);
            return { status: 'already-scanned', scanId };
        }
        if (claim.status === 'busy') {
            await this.sendCheck(message, delivery);
            return { status: 'waiting', reason: `request ${claim.claimant} is telling the observers about scan ${scanId}` };
        }
        try {
            const told = event ?? (await this.storedEvent(message, scanId, log));
            if (told !== null) await this.notify(told, log);
        } catch (err) {
            // Free the claim so the redelivery tells them at once (a crash instead leaves it to expire).
            await this.options.leases.releaseAnswer(key, delivery.id).catch(() => undefined);
            throw err;
        }
        await this.options.leases.markAnswered(key, this.now());
        return { status: 'already-scanned', scanId };
    }

    private async storedEvent(message: ScanMessage, scanId: string, log: ScanLog): Promise<ScanVerdictEvent | null> {
        const { store } = this.options;
        const snapshot: SummarySnapshot | null = await store.getSummarySnapshot(message.digest);
        if (!snapshot) {
            log.warn(`${describe(message)}: scan ${scanId} has no stored summary; nothing to tell`);
            return null;
        }
        const stored = snapshot.summary;
        if (message.tag !== null && !stored.tagsSeen.includes(message.tag)) await store.addTag(message.digest, message.tag, { current: snapshot });
        if (stored.generation === null || stored.verdict.outcome === 'error' || stored.scanner.name !== SCANNER_NAME || (stored.findingRows === 0 && stored.verdict.reasons.some((r) => r.code.startsWith('child-')))) {
            // Nothing to re-judge (an error, a held artifact, an index's verdict): as recorded.
            return { ...eventBase(message, scanId, stored.scannedAt, stored.verdict), previous: null, newFindings: [], dbVersion: stored.scanner.dbVersion, redelivered: stored.scanId === message.requestId };
        }
        if (stored.scanId === message.requestId && stored.repository === message.repository) {
            // This request's own scan, told again (its observers failed before they all had it).
            const newFindings = await store.listNewFindings(message.digest, stored.generation);
            return {
                ...eventBase(message, scanId, stored.scannedAt, stored.verdict),
                previous: stored.previous ? { outcome: stored.previous.outcome, scannedAt: stored.previous.scannedAt, dbVersion: null } : null,
                newFindings,
                dbVersion: stored.scanner.dbVersion,
                redelivered: true,
            };
        }
        // Another request (another tag or repository, same digest) brought this evidence: judge it
        // for this request's repository (rules differ per repository), without a second run.
        const findings = await store.listFindings(message.digest, { current: snapshot });
        const verdict = evaluatePolicy(this.options.policy, {
            repository: message.repository,
            digest: message.digest,
            report: { findings, os: stored.os },
            scannedAt: stored.scannedAt,
            now: this.now(),
        });
        log.log(`${describe(message)}: answered by the recorded scan ${stored.scanId} (${stored.scannedAt.toISOString()}): ${verdict.outcome} for ${message.repository}; no new run`);
        return { ...eventBase(message, scanId, stored.scannedAt, verdict), previous: null, newFindings: [], dbVersion: stored.scanner.dbVersion, redelivered: false };
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

    private sendCheck(message: ScanMessage, delivery: Delivery): Promise<void> {
        return this.options.messages.send(delivery.queue, { ...message, step: 'check' }, this.checkDelaySeconds);
    }
}

/** A child request's id: the same for every delivery of the index request, different per child. */
function childRequestId(parentRequestId: string, childDigest: string): string {
    return `child-${createHash('sha256').update(`${parentRequestId}\n${childDigest}`).digest('hex').slice(0, 32)}`;
}

function eventBase(message: ScanMessage, scanId: string, scannedAt: Date, verdict: Verdict) {
    return {
        registry: message.registry,
        repository: message.repository,
        digest: message.digest,
        tag: message.tag,
        scanId,
        reason: message.reason,
        scannedAt,
        verdict,
    };
}

function previousOf(summary: ScanSummary | null): ScanVerdictEvent['previous'] {
    if (!summary) return null;
    return { outcome: summary.verdict.outcome, scannedAt: summary.scannedAt, dbVersion: summary.scanner.dbVersion };
}
