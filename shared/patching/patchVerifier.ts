import type { ScanResultStore } from '../results/scanResultStore';
import type { ScanVerdictEvent, VerdictObserver } from '../scan/verdictObserver';
import { countFixableOs } from './imageAssessment';
import { classifyTag } from './tagConvention';
import type { PatchRun, PatchRunStore } from './patchRunStore';
import type { AlertRaiser } from './patchWorker';

/**
 * Closes the patch loop: a verdict on `quarantine/NAME:<patch tag>` that matches a recorded patch
 * run is checked against the run. The patched image must pass the gate AND have fewer fixable OS
 * vulnerabilities than the image it replaces (the one judged before patching); then the run is
 * `verified`, otherwise `regressed` with a `patch-failed` alert. Promotion itself is the gate's.
 * Idempotent: the same verdict twice writes the same row and raises the same (deduplicated) alert.
 */
export class PatchVerificationObserver implements VerdictObserver {
    constructor(
        private readonly deps: {
            readonly runs: PatchRunStore;
            readonly results: Pick<ScanResultStore, 'listFindings'>;
            readonly alerts: AlertRaiser;
            readonly quarantinePrefix: string;
            readonly now?: () => Date;
            readonly log?: (message: string) => void;
        },
    ) {}

    async onVerdict(event: ScanVerdictEvent): Promise<void> {
        if (!event.tag || !event.repository.startsWith(this.deps.quarantinePrefix)) return;
        // Only patch tags can belong to a patch run: other verdicts cost no table read.
        if (classifyTag(event.tag, 'incremental').kind === 'original' && classifyTag(event.tag, 'floating').kind === 'original') return;
        const run = await this.deps.runs.findByTarget(event.repository, event.tag);
        if (!run || run.status === 'skipped' || run.status === 'failed') return;
        if (run.patchedDigest !== null && run.patchedDigest !== event.digest) {
            this.deps.log?.(`patch verification: ${event.repository}:${event.tag}@${event.digest} is not the image patch run ${run.patchRunId} pushed (${run.patchedDigest}); ignored`);
            return;
        }
        const fixableAfter = countFixableOs(await this.deps.results.listFindings(event.digest));
        const before = run.fixableBefore;
        const problems: string[] = [];
        if (event.verdict.outcome !== 'pass') {
            problems.push(`the patched image did not pass the gate (${event.verdict.outcome}${event.verdict.reasons.length ? `: ${event.verdict.reasons.map((r) => r.message).join('; ')}` : ''})`);
        }
        if (before === null || fixableAfter >= before) {
            problems.push(`the patched image has ${fixableAfter} fixable OS vulnerabilities, not fewer than the ${before ?? 'unknown'} of the image it replaces`);
        }
        const judged: PatchRun = {
            ...run,
            patchedDigest: event.digest,
            fixableAfter,
            patchedVerdict: event.verdict.outcome,
            status: problems.length === 0 ? 'verified' : 'regressed',
            reason: problems.length === 0 ? null : problems.join('; '),
            updatedAt: (this.deps.now ?? (() => new Date()))(),
        };
        await this.deps.runs.put(judged);
        if (problems.length > 0) {
            await this.deps.alerts.raise({
                kind: 'patch-failed',
                subject: { registry: event.registry, repository: event.repository, tag: event.tag, digest: event.digest },
                detectedBy: 'patch',
                details: {
                    reasons: problems,
                    extra: { original: `${run.repository}:${run.tag}`, originalDigest: run.originalDigest, fixableBefore: before, fixableAfter, cycleId: run.cycleId },
                },
            });
        }
    }
}
