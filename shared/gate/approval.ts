import { z } from 'zod';
import { checkDigest, checkRepository, checkTag } from '../oci/reference';
import { resolveRule } from '../policy/evaluatePolicy';
import type { GatePolicy } from '../policy/gatePolicy';
import { judgeScanAge } from '../policy/scanAge';
import type { ScanSummary } from '../results/scanResultStore';
import { describeCaller, type Caller } from '../auth/caller';
import { PromotionFailed, PromotionRefused, type Promoter } from './promoter';

const oci = (check: (v: string) => { ok: true } | { ok: false; reason: string }) =>
    z.string().superRefine((v, ctx) => {
        const r = check(v);
        if (!r.ok) ctx.addIssue({ code: 'custom', message: r.reason });
    });

/** POST /api/promotions body. */
export const approvalRequestSchema = z.strictObject({
    repository: oci(checkRepository),
    digest: oci(checkDigest),
    tag: oci(checkTag),
});
export type ApprovalRequest = z.infer<typeof approvalRequestSchema>;

/** An HTTP answer: status and a JSON body with `status` (success) or `error` + `reason` (refusal). */
export interface ApprovalAnswer {
    readonly status: number;
    readonly body: Record<string, unknown>;
}

export interface ApprovalDeps {
    readonly promoter: Promoter;
    readonly results: { getSummary(digest: string): Promise<ScanSummary | null> };
    readonly registry: string;
    readonly quarantinePrefix: string;
    /**
     * The gate policy whose maxScanAge applies now (the app passes the scan worker's policy). When
     * absent, verdict.rule.maxScanAge applies if the store kept it (TableScanResultStore does not:
     * then there is no limit).
     */
    readonly policy?: () => Promise<GatePolicy>;
    readonly now?: () => Date;
}

const refuse = (status: number, error: string, reason: string): ApprovalAnswer => ({ status, body: { error, reason } });

/**
 * Manual promotion (auto-promotion off, or a re-promotion under another tag): approves a
 * quarantined image whose stored verdict is `pass` and recent enough under the policy's maximum
 * scan age, then promotes it like the automatic path. Refusals say why: 422 for input that is
 * not a valid request, 409 for an image that may not be promoted in its current state.
 */
export class ApprovalService {
    private readonly now: () => Date;

    constructor(private readonly deps: ApprovalDeps) {
        this.now = deps.now ?? (() => new Date());
    }

    /** `approver`: who asked (shared/auth requireCaller); recorded in the ledger as `approvedBy`. */
    async approve(input: unknown, approver: Caller = { kind: 'function-key' }): Promise<ApprovalAnswer> {
        const parsed = approvalRequestSchema.safeParse(input);
        if (!parsed.success) {
            return refuse(422, 'invalid-request', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
        }
        const request = parsed.data;
        if (!request.repository.startsWith(this.deps.quarantinePrefix)) {
            return refuse(422, 'not-in-quarantine', `${request.repository} is not under ${this.deps.quarantinePrefix}: only quarantined images are promoted`);
        }
        const summary = await this.deps.results.getSummary(request.digest);
        if (!summary) return refuse(409, 'no-verdict', `no scan result is recorded for ${request.digest}: scan it first`);
        if (summary.repository !== request.repository) {
            // Policies differ per repository: a pass recorded for another repository does not count here.
            return refuse(409, 'verdict-for-other-repository', `the recorded verdict for ${request.digest} is for ${summary.repository}, not ${request.repository}`);
        }
        if (summary.verdict.outcome !== 'pass') {
            const reasons = summary.verdict.reasons.map((r) => r.message);
            return { status: 409, body: { error: 'not-passed', reason: `the recorded verdict for ${request.digest} is ${summary.verdict.outcome}, not pass`, verdictReasons: reasons } };
        }
        const maxScanAge = this.deps.policy ? resolveRule(await this.deps.policy(), request.repository).maxScanAge : (summary.verdict.rule?.maxScanAge ?? null);
        const stale = judgeScanAge(maxScanAge, summary.scannedAt, this.now());
        if (stale) return refuse(409, 'scan-stale', stale.message);

        try {
            const outcome = await this.deps.promoter.promote({ registry: this.deps.registry, sourceRepository: request.repository, digest: request.digest, tag: request.tag, requestedBy: 'approval', approvedBy: describeCaller(approver) });
            const p = outcome.promotion;
            return {
                status: outcome.status === 'promoted' ? 201 : 200,
                body: { status: outcome.status, source: `${request.repository}@${request.digest}`, target: `${p.targetRepository}:${request.tag}`, digest: p.digest, tags: p.tags, ...(p.approvedBy ? { approvedBy: p.approvedBy } : {}) },
            };
        } catch (err) {
            if (err instanceof PromotionRefused) return refuse(422, err.code, err.message);
            if (err instanceof PromotionFailed) return refuse(err.retryable ? 503 : 502, 'promotion-failed', err.message);
            throw err;
        }
    }
}
