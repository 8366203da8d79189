import type { IndexAttestationChild, IndexPlan, IndexUnsupportedChild } from '../oci/indexChildren';
import { isPlatformAllowed } from '../oci/platform';
import type { Verdict, VerdictOutcome, VerdictReason, VerdictRule } from './verdict';

/** One image child of an index as the index verdict shows it. */
export interface IndexChildVerdict {
    readonly digest: string;
    readonly platform: string | null;
    readonly outcome: VerdictOutcome;
    readonly reasons: readonly VerdictReason[];
}

/** The verdict of an index: the usual outcome and reasons, and each child's verdict. */
export interface IndexVerdict extends Verdict {
    readonly children: readonly IndexChildVerdict[];
    /** Recorded, not scanned (buildx attestation manifests). */
    readonly attestations: readonly IndexAttestationChild[];
    /** Children that cannot be judged; any of them fails the index. */
    readonly unsupported: readonly IndexUnsupportedChild[];
}

export interface IndexVerdictInput {
    readonly plan: IndexPlan;
    /** The verdict of each image child by digest, as recorded by its own scan; a missing one is "not judged yet". */
    readonly childVerdicts: ReadonlyMap<string, Pick<Verdict, 'outcome' | 'reasons'>>;
    /** The rule that applies to the index's repository (resolveRule); only `platforms` is read here. */
    readonly rule: Pick<VerdictRule, 'platforms'>;
}

const nameOf = (c: { digest: string; platform: string | null }) => `${c.platform ?? '(no platform)'} ${c.digest}`;

/**
 * Judges an index from its children's verdicts (docs/artifacts.md). Pure.
 * - A child whose platform the rule does not allow is `fail` (`platform-not-allowed`) whatever its
 *   scan said: a policy decision, never a silent pass or a silent skip.
 * - A child without a verdict is `error` (`child-not-judged`).
 * - The index is `error` when any child is (the remedy is to judge again), else `fail` when any child
 *   fails, a child cannot be judged (`unsupported-child`) or there is no image child at all, else `pass`.
 *   Error reasons come first; every reason is listed, as in evaluatePolicy.
 */
export function judgeIndex(input: IndexVerdictInput): IndexVerdict {
    const allow = input.rule.platforms?.allow;
    const children: IndexChildVerdict[] = input.plan.images.map((child) => {
        const verdict = input.childVerdicts.get(child.digest);
        const scanned: IndexChildVerdict = verdict
            ? { digest: child.digest, platform: child.platform, outcome: verdict.outcome, reasons: verdict.reasons }
            : { digest: child.digest, platform: child.platform, outcome: 'error', reasons: [{ code: 'child-not-judged', message: `${nameOf(child)} has no verdict yet` }] };
        if (allow === undefined || isPlatformAllowed(child.platform, allow)) return scanned;
        const notAllowed: VerdictReason = {
            code: 'platform-not-allowed',
            message: `platform ${child.platform ?? '(none stated)'} is not allowed by the policy (allowed: ${allow.join(', ')})`,
        };
        return { ...scanned, outcome: 'fail', reasons: [notAllowed, ...(verdict ? verdict.reasons : [])] };
    });

    const errors: VerdictReason[] = [];
    const failures: VerdictReason[] = [];
    for (const child of children) {
        if (child.outcome === 'pass') continue;
        const reason: VerdictReason = {
            code: child.outcome === 'error' ? 'child-error' : 'child-failed',
            message: `${nameOf(child)}: ${child.outcome} (${child.reasons.map((r) => r.code).join(', ') || 'no reason given'})`,
            ...(child.reasons.some((r) => r.vulnerabilityIds?.length) ? { vulnerabilityIds: [...new Set(child.reasons.flatMap((r) => r.vulnerabilityIds ?? []))] } : {}),
        };
        (child.outcome === 'error' ? errors : failures).push(reason);
    }
    for (const u of input.plan.unsupported) failures.push({ code: 'unsupported-child', message: `${u.digest} (${u.mediaType}): ${u.reason}` });
    if (children.length === 0) failures.push({ code: 'no-image-children', message: 'the index lists no image to scan, so nothing in it was judged' });

    const base = { children, attestations: input.plan.attestations, unsupported: input.plan.unsupported };
    if (errors.length > 0) return { outcome: 'error', reasons: [...errors, ...failures], ...base };
    if (failures.length > 0) return { outcome: 'fail', reasons: failures, ...base };
    return { outcome: 'pass', reasons: [{ code: 'all-children-pass', message: `all ${children.length} image children pass (${children.map((c) => c.platform ?? '(no platform)').join(', ')})` }], ...base };
}
