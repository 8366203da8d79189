import type { AlertInput } from '../alerts/alertInput';
import { RegistryError, type Registry } from '../registry/registry';
import { ScannerError, type Scanner } from '../registry/scanner';
import type { TaskRunner } from '../registry/taskRunner';
import type { ScanResultStore } from '../results/scanResultStore';
import { countFixableOs, decidePatch, patchablePlatform, type VulnerabilityEvidence } from './imageAssessment';
import type { PatchCheckRequest, PatchImageRequest, PatchRequest } from './patchRequest';
import type { PatchRequestSink } from './patchRequestSink';
import { isSettled, type PatchRun, type PatchRunStore } from './patchRunStore';
import { buildPatchTask, COPA_UP_TO_DATE, PATCH_RUN_TIMEOUT_SECONDS, patchTargetRepository, type RepositoryLayout } from './patchTask';
import { errorMessage } from '../errors/errorMessage';

export interface AlertRaiser {
    raise(input: AlertInput): Promise<unknown>;
}

export interface PatchWorkerDeps {
    readonly registry: Pick<Registry, 'getManifest'>;
    readonly scanner: Scanner;
    readonly results: Pick<ScanResultStore, 'getSummary' | 'listFindings'>;
    readonly runner: TaskRunner;
    readonly runs: PatchRunStore;
    readonly requests: PatchRequestSink;
    readonly alerts: AlertRaiser;
    readonly layout: RepositoryLayout;
    readonly images: { readonly trivyImage: string; readonly dbRepositories: readonly string[]; readonly copaImage: string; readonly buildkitImage: string };
    /** How long a `check` waits before looking at the run again (default 60 s). */
    readonly checkDelaySeconds?: number;
    /** A stored scan older than this is not trusted for the decision (default 24 h). */
    readonly scanMaxAgeMs?: number;
    readonly now?: () => Date;
}

export interface WorkerLog {
    log(message: string): void;
    warn(message: string): void;
}

/**
 * One image of a patch cycle (`patch`), then its run (`check`). Idempotent per (cycle, repository,
 * tag): a redelivered `patch` finds its row and does not schedule a second run; a settled row is
 * never reopened. Transient registry/scanner failures throw (the host retries, then parks the
 * message in patch-requests-poison); everything that retrying cannot fix is recorded with its
 * reason.
 */
export class PatchWorker {
    private readonly now: () => Date;

    constructor(private readonly deps: PatchWorkerDeps) {
        this.now = deps.now ?? (() => new Date());
    }

    handle(request: PatchRequest, log: WorkerLog): Promise<PatchRun | null> {
        return request.kind === 'patch' ? this.patch(request, log) : this.check(request, log);
    }

    private async patch(request: PatchImageRequest, log: WorkerLog): Promise<PatchRun | null> {
        const { runs } = this.deps;
        const existing = await runs.get(request.cycleId, request.repository, request.tag);
        if (existing && isSettled(existing.status)) {
            log.log(`patch ${describe(request)}: already ${existing.status} in cycle ${request.cycleId}`);
            return existing;
        }
        if (existing?.patchRunId && existing.originalDigest) {
            // Scheduled by an earlier delivery: make sure a check follows it, schedule nothing new.
            await this.sendCheck(existing, existing.patchRunId, existing.originalDigest, existing.updatedAt, 0);
            return existing;
        }
        const at = this.now();
        const scannedTag = request.latestPatchTag ?? request.tag;
        const base: PatchRun = {
            cycleId: request.cycleId,
            registry: request.registry,
            repository: request.repository,
            tag: request.tag,
            originalDigest: null,
            scannedTag,
            scannedDigest: null,
            latestPatchTag: request.latestPatchTag,
            patchTag: request.nextPatchTag,
            targetRepository: null,
            patchedDigest: null,
            fixableBefore: null,
            fixableAfter: null,
            status: 'scheduled',
            reason: null,
            evidence: null,
            scanRunId: null,
            patchRunId: null,
            patchedVerdict: null,
            createdAt: at,
            updatedAt: at,
        };
        const settle = async (run: PatchRun, message: string) => {
            await runs.put({ ...run, updatedAt: this.now() });
            log.log(`patch ${describe(request)}: ${run.status}${run.reason ? ` (${run.reason})` : ''}${message ? `: ${message}` : ''}`);
            return run;
        };

        const target = patchTargetRepository(request.repository, this.deps.layout);
        if (!target.ok) return settle({ ...base, status: 'skipped', reason: 'not-released' }, target.reason);

        let original;
        let scanned;
        try {
            original = await this.deps.registry.getManifest(request.repository, request.tag);
            scanned = scannedTag === request.tag ? original : await this.deps.registry.getManifest(request.repository, scannedTag);
        } catch (err) {
            if (err instanceof RegistryError && (err.code === 'not-found' || err.code === 'invalid-input')) {
                return settle({ ...base, status: 'failed', reason: `${err.code}: ${err.message}` }, '');
            }
            throw err;
        }
        const withDigests = { ...base, originalDigest: original.digest, scannedDigest: scanned.digest, targetRepository: target.repository };

        // The platform comes from the manifest and its config: never inferred from an empty scan.
        const platform = patchablePlatform(original);
        if (!platform.ok) return settle({ ...withDigests, status: 'skipped', reason: platform.reason }, platform.detail);

        let evidence: VulnerabilityEvidence & { source: string; scanRunId: string | null };
        try {
            evidence = await this.evidenceFor(request.registry, request.repository, scanned.digest);
        } catch (err) {
            if (err instanceof ScannerError && !err.retryable) {
                return settle({ ...withDigests, status: 'failed', reason: `scan failed: ${err.message}`, scanRunId: err.runId ?? null }, '');
            }
            throw err;
        }
        const judged = { ...withDigests, fixableBefore: evidence.fixableOs, evidence: evidence.source, scanRunId: evidence.scanRunId };
        const decision = decidePatch(evidence);
        if (!decision.patch) return settle({ ...judged, status: 'skipped', reason: decision.reason }, decision.detail);

        let task;
        try {
            task = buildPatchTask({
                loginServer: request.registry,
                repository: request.repository,
                tag: request.tag,
                digest: original.digest,
                patchTag: request.nextPatchTag,
                targetRepository: target.repository,
                ...this.deps.images,
                architecture: platform.architecture,
            });
        } catch (err) {
            return settle({ ...judged, status: 'failed', reason: `patch task refused: ${errorMessage(err)}` }, '');
        }
        const { runId } = await this.deps.runner.schedule(task);
        const scheduled: PatchRun = { ...judged, status: 'scheduled', patchRunId: runId, updatedAt: this.now() };
        await runs.put(scheduled);
        log.log(`patch ${describe(request)}: ${evidence.fixableOs} fixable OS vulnerabilities; patch run ${runId} scheduled, pushing ${target.repository}:${request.nextPatchTag}`);
        await this.sendCheck(scheduled, runId, original.digest, scheduled.updatedAt, this.deps.checkDelaySeconds ?? 60);
        return scheduled;
    }

    private async check(request: PatchCheckRequest, log: WorkerLog): Promise<PatchRun | null> {
        const run = await this.deps.runs.get(request.cycleId, request.repository, request.tag);
        if (!run || isSettled(run.status) || run.patchRunId !== request.runId) return run;
        const state = await this.deps.runner.get(request.runId);
        if (!state.finished) {
            const deadline = new Date(request.scheduledAt).getTime() + (PATCH_RUN_TIMEOUT_SECONDS + 600) * 1000;
            if (this.now().getTime() > deadline) {
                return this.fail(run, `patch run ${request.runId} did not finish within ${PATCH_RUN_TIMEOUT_SECONDS + 600} s (last status ${state.status})`, log);
            }
            await this.sendCheck(run, request.runId, request.digest, new Date(request.scheduledAt), this.deps.checkDelaySeconds ?? 60);
            return run;
        }
        let runLog = '';
        try {
            runLog = await this.deps.runner.readLog(request.runId);
        } catch (err) {
            log.warn(`patch run ${request.runId}: log unavailable: ${errorMessage(err)}`);
        }
        if (runLog.includes(COPA_UP_TO_DATE)) {
            const skipped: PatchRun = { ...run, status: 'skipped', reason: 'already-up-to-date', updatedAt: this.now() };
            await this.deps.runs.put(skipped);
            return skipped;
        }
        if (state.status !== 'Succeeded') {
            return this.fail(run, `patch run ${request.runId} ended ${state.status}${state.errorMessage ? `: ${state.errorMessage}` : ''}`, log);
        }
        let patchedDigest: string;
        try {
            patchedDigest = (await this.deps.registry.getManifest(run.targetRepository!, run.patchTag)).digest;
        } catch (err) {
            if (err instanceof RegistryError && err.code === 'not-found') {
                return this.fail(run, `patch run ${request.runId} succeeded but ${run.targetRepository}:${run.patchTag} does not exist`, log);
            }
            throw err;
        }
        // The verification observer may have judged the patched image already: keep its result.
        const current = (await this.deps.runs.get(run.cycleId, run.repository, run.tag)) ?? run;
        if (current.status === 'verified' || current.status === 'regressed') return current;
        const patched: PatchRun = { ...current, status: 'patched', patchedDigest, updatedAt: this.now() };
        await this.deps.runs.put(patched);
        log.log(`patch ${run.repository}:${run.tag}: pushed ${run.targetRepository}:${run.patchTag}@${patchedDigest}; it is scanned and gated like any push`);
        return patched;
    }

    private async fail(run: PatchRun, reason: string, log: WorkerLog): Promise<PatchRun> {
        const failed: PatchRun = { ...run, status: 'failed', reason, updatedAt: this.now() };
        await this.deps.runs.put(failed);
        log.warn(`patch ${run.repository}:${run.tag}: ${reason}`);
        if (run.originalDigest) {
            await this.deps.alerts.raise({
                kind: 'patch-failed',
                subject: { registry: run.registry, repository: run.repository, tag: run.tag, digest: run.originalDigest },
                detectedBy: 'patch',
                details: { error: reason, extra: { cycleId: run.cycleId, patchTag: run.patchTag, patchRunId: run.patchRunId } },
                discriminator: run.patchTag,
            });
        }
        return failed;
    }

    private sendCheck(run: PatchRun, runId: string, digest: string, scheduledAt: Date, delaySeconds: number): Promise<void> {
        return this.deps.requests.send(
            {
                schema: 'acr-guard.patch-request',
                version: 1,
                kind: 'check',
                cycleId: run.cycleId,
                registry: run.registry,
                repository: run.repository,
                tag: run.tag,
                requestedAt: this.now().toISOString(),
                runId,
                scheduledAt: scheduledAt.toISOString(),
                digest,
            },
            delaySeconds,
        );
    }

    /** The stored verdict's findings when fresh, else a scan of exactly that digest. */
    private async evidenceFor(registry: string, repository: string, digest: string): Promise<VulnerabilityEvidence & { source: string; scanRunId: string | null }> {
        const summary = await this.deps.results.getSummary(digest);
        const maxAge = this.deps.scanMaxAgeMs ?? 24 * 60 * 60 * 1000;
        if (summary && summary.generation !== null && this.now().getTime() - summary.scannedAt.getTime() <= maxAge) {
            const findings = await this.deps.results.listFindings(digest);
            return { eosl: summary.os?.eosl ?? false, fixableOs: countFixableOs(findings), source: `stored-scan:${summary.scanId}`, scanRunId: null };
        }
        const result = await this.deps.scanner.scan({ registry, repository, digest });
        return { eosl: result.report.os?.eosl ?? false, fixableOs: countFixableOs(result.report.findings), source: 'scan', scanRunId: result.runId };
    }
}

const describe = (r: PatchImageRequest) => `${r.repository}:${r.tag}`;
