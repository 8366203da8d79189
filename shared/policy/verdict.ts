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
}
