import { checkDigest, checkRepository } from '../oci/reference';
import { isFixable, SEVERITIES, type Finding, type Severity } from '../trivy/finding';
import type { ReportOs } from '../trivy/report';
import { exceptionExpiryInstant, type GatePolicy, type PolicyException } from './gatePolicy';
import { matchesRepositoryPattern } from './repositoryPattern';
import { judgeScanAge } from './scanAge';
import type { Verdict, VerdictException, VerdictReason, VerdictRule } from './verdict';

/** What the gate judges: one image (repository + digest) and its scan. */
export interface PolicyInput {
    /** Repository path inside the registry, e.g. `quarantine/web/api` (no login server). */
    readonly repository: string;
    /** The image digest the scan was of; exceptions scoped to a digest apply only when it matches. */
    readonly digest?: string | null;
    /** A parsed TrivyReport, or findings and OS loaded from the results store. */
    readonly report: { readonly findings: readonly Finding[]; readonly os: Pick<ReportOs, 'eosl'> | null };
    /** When the scan ran (Trivy's CreatedAt or the worker's clock); needed when the rule sets maxScanAge. */
    readonly scannedAt?: Date | string | null;
    readonly now: Date;
}

/** A verdict made by the policy: the optional policy fields of Verdict are always present. */
export interface PolicyVerdict extends Verdict {
    readonly rule: VerdictRule;
    readonly appliedExceptions: readonly VerdictException[];
    readonly expiredExceptions: readonly VerdictException[];
}

/** The effective rule for a repository: the first override whose pattern matches, over the default. */
export function resolveRule(policy: GatePolicy, repository: string): VerdictRule {
    for (const [index, override] of policy.overrides.entries()) {
        const pattern = override.repositories.find((p) => matchesRepositoryPattern(p, repository));
        if (pattern !== undefined) {
            const { repositories: _r, description: _d, ...fields } = override;
            const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
            return { ...policy.default, ...defined, source: `overrides[${index}]`, pattern };
        }
    }
    return { ...policy.default, source: 'default', pattern: null };
}

/** Exceptions whose scope covers this image (repository pattern and, when set, digest). */
function exceptionsInScope(policy: GatePolicy, repository: string, digest: string | null): PolicyException[] {
    return policy.exceptions.filter((e) => matchesRepositoryPattern(e.scope.repository, repository) && (e.scope.digest === undefined || e.scope.digest === digest));
}

const idKey = (id: string) => id.toUpperCase();

const toVerdictException = (e: PolicyException, findings: number): VerdictException => ({
    id: e.id,
    repository: e.scope.repository,
    digest: e.scope.digest ?? null,
    expires: e.expires,
    reason: e.reason,
    owner: e.owner,
    findings,
});

/**
 * Judges one image against the gate policy.
 *
 * - `error` (could not judge; never passes) when the input is invalid or the scan is too old / undatable
 *   (see judgeScanAge). Error reasons win over fail reasons: without trustworthy evidence the remedy is
 *   a rescan, and both kinds of reason are still listed.
 * - `fail` when findings block (severity in blockSeverities, and fixable when fixableOnly) and no active
 *   exception in scope covers them, or when the OS is EOSL and denyEosl is set. No OS detected is not EOSL.
 * - `pass` otherwise, with one `no-blocking-findings` reason saying what was checked.
 */
export function evaluatePolicy(policy: GatePolicy, input: PolicyInput): PolicyVerdict {
    const digest = input.digest ?? null;
    const rule = resolveRule(policy, input.repository);
    const errors: VerdictReason[] = [];
    const failures: VerdictReason[] = [];

    const repoCheck = checkRepository(input.repository);
    if (!repoCheck.ok) errors.push({ code: 'invalid-input', message: `repository "${input.repository}" is not valid: ${repoCheck.reason}` });
    if (digest !== null) {
        const digestCheck = checkDigest(digest);
        if (!digestCheck.ok) errors.push({ code: 'invalid-input', message: `digest "${digest}" is not valid: ${digestCheck.reason}` });
    }
    const age = judgeScanAge(rule.maxScanAge, input.scannedAt, input.now);
    if (age) errors.push(age);

    // Exceptions in scope, split by whether they still apply at `now`.
    const active = new Map<string, PolicyException[]>();
    const expired: PolicyException[] = [];
    const inScope = exceptionsInScope(policy, input.repository, digest);
    for (const e of inScope) {
        if (input.now.getTime() >= exceptionExpiryInstant(e.expires).getTime()) expired.push(e);
        else active.set(idKey(e.id), [...(active.get(idKey(e.id)) ?? []), e]);
    }

    const blockSeverities = new Set<string>(rule.blockSeverities);
    const blocking: Finding[] = [];
    const suppressed = new Map<PolicyException, number>();
    for (const f of input.report.findings) {
        if (!blockSeverities.has(f.severity) || (rule.fixableOnly && !isFixable(f))) continue;
        const covering = active.get(idKey(f.vulnerabilityId));
        if (covering) for (const e of covering) suppressed.set(e, (suppressed.get(e) ?? 0) + 1);
        else blocking.push(f);
    }
    if (blocking.length > 0) failures.push(blockedReason(blocking, rule.fixableOnly));
    if (rule.denyEosl && input.report.os?.eosl === true) {
        failures.push({ code: 'eosl', message: 'the image OS is end of service life (Trivy Metadata.OS.EOSL): it gets no more security fixes' });
    }

    const countById = new Map<string, number>();
    for (const f of input.report.findings) countById.set(idKey(f.vulnerabilityId), (countById.get(idKey(f.vulnerabilityId)) ?? 0) + 1);
    const base = {
        rule,
        // In policy-file order, so the verdict is stable whatever the order of findings.
        appliedExceptions: inScope.filter((e) => suppressed.has(e)).map((e) => toVerdictException(e, suppressed.get(e)!)),
        expiredExceptions: expired.map((e) => toVerdictException(e, countById.get(idKey(e.id)) ?? 0)),
    };
    if (errors.length > 0) return { outcome: 'error', reasons: [...errors, ...failures], ...base };
    if (failures.length > 0) return { outcome: 'fail', reasons: failures, ...base };
    return { outcome: 'pass', reasons: [passReason(rule)], ...base };
}

function blockedReason(blocking: readonly Finding[], fixableOnly: boolean): VerdictReason {
    const bySeverity = new Map<Severity, Set<string>>();
    let entries = 0;
    for (const f of blocking) {
        entries++;
        const ids = bySeverity.get(f.severity) ?? new Set<string>();
        ids.add(f.vulnerabilityId);
        bySeverity.set(f.severity, ids);
    }
    const ordered = SEVERITIES.filter((s) => bySeverity.has(s));
    const ids = ordered.flatMap((s) => [...bySeverity.get(s)!].sort());
    const perSeverity = ordered.map((s) => `${bySeverity.get(s)!.size} ${s}`).join(', ');
    return {
        code: 'blocked-vulnerabilities',
        message: `${ids.length} ${fixableOnly ? 'fixable ' : ''}vulnerabilities block promotion (${perSeverity}; ${entries} package occurrence${entries === 1 ? '' : 's'})`,
        vulnerabilityIds: [...new Set(ids)],
    };
}

function passReason(rule: VerdictRule): VerdictReason {
    const what = rule.blockSeverities.length === 0 ? 'no severity blocks' : `no ${rule.fixableOnly ? 'fixable ' : ''}${rule.blockSeverities.join('/')} vulnerabilities`;
    return { code: 'no-blocking-findings', message: `${what}${rule.denyEosl ? ', OS not end of service life' : ''} (rule: ${rule.source})` };
}
