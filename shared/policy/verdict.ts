/** The gate's answer for one image digest. `error` means "could not judge": it never passes. */
export type VerdictOutcome = 'pass' | 'fail' | 'error';

export interface VerdictReason {
    /** Stable machine code, e.g. `blocked-vulnerabilities`, `eosl`, `scanner-error`, `scan-too-old`. */
    readonly code: string;
    /** A sentence for people. */
    readonly message: string;
    /** The vulnerability ids behind this reason, when there are any. */
    readonly vulnerabilityIds?: readonly string[];
}

export interface Verdict {
    readonly outcome: VerdictOutcome;
    readonly reasons: readonly VerdictReason[];
    // --- gate policy (issue 5): filled by evaluatePolicy, absent on verdicts made without a policy
    // (e.g. a scanner error recorded as `error`).
    /** The rule that applied to the repository. */
    readonly rule?: VerdictRule;
    /** Exceptions that suppressed at least one otherwise blocking finding. */
    readonly appliedExceptions?: readonly VerdictException[];
    /** Exceptions in scope for this image that have expired (they no longer apply). */
    readonly expiredExceptions?: readonly VerdictException[];
}

/** The effective gate rule for a repository and where it came from. */
export interface VerdictRule {
    /** `default`, or `overrides[N]` (index in the policy file). */
    readonly source: string;
    /** The override pattern that matched, null for the default. */
    readonly pattern: string | null;
    readonly blockSeverities: readonly string[];
    readonly fixableOnly: boolean;
    readonly denyEosl: boolean;
    /** ISO 8601 duration, null for no limit. */
    readonly maxScanAge: string | null;
    /** Platforms a multi-platform image may contain; absent: every platform. */
    readonly platforms?: { readonly allow: readonly string[] };
}

/** A policy exception as seen by one verdict. */
export interface VerdictException {
    readonly id: string;
    readonly repository: string;
    readonly digest: string | null;
    readonly expires: string;
    readonly reason: string;
    readonly owner: string;
    /** How many of this image's findings carry the exception's id (for applied: the ones it suppressed). */
    readonly findings: number;
}
