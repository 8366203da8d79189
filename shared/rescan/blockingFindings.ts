import { evaluatePolicy } from '../policy/evaluatePolicy';
import type { GatePolicy } from '../policy/gatePolicy';
import { isFixable, type Finding } from '../trivy/finding';

/**
 * The findings of `findings` that the gate policy blocks for this repository and digest: the
 * rule's severities (fixable only when the rule says so), minus active exceptions. Decided by the
 * policy evaluation itself, so the gate and this diff never disagree about what blocks.
 */
export function blockingFindings(policy: GatePolicy, input: { repository: string; digest: string; findings: readonly Finding[]; now: Date }): Finding[] {
    if (input.findings.length === 0) return [];
    const verdict = evaluatePolicy(policy, { repository: input.repository, digest: input.digest, report: { findings: input.findings, os: null }, now: input.now });
    const blockedIds = new Set(verdict.reasons.filter((r) => r.code === 'blocked-vulnerabilities').flatMap((r) => r.vulnerabilityIds ?? []).map((id) => id.toUpperCase()));
    const severities = new Set<string>(verdict.rule.blockSeverities);
    return input.findings.filter(
        (f) => blockedIds.has(f.vulnerabilityId.toUpperCase()) && severities.has(f.severity) && (!verdict.rule.fixableOnly || isFixable(f)),
    );
}
