import type { Verdict, VerdictOutcome } from '../policy/verdict';
import type { Finding } from '../trivy/finding';

/**
 * The seam between the scan pipeline and what follows a verdict (promotion, alerts). The scan
 * worker calls every observer after the verdict is recorded in Table storage, so an observer may
 * rely on the stored result; observers must be idempotent (a scan request can be delivered twice).
 */
export interface ScanVerdictEvent {
    readonly registry: string;
    readonly repository: string;
    readonly digest: string;
    /** The tag the image was pushed with, when the request carried one. */
    readonly tag: string | null;
    readonly scanId: string;
    /** Why the scan ran: push, rescan, patch or manual (from the ScanRequest). */
    readonly reason: string;
    readonly scannedAt: Date;
    readonly verdict: Verdict;
    // --- scan worker (issue 5) -----------------------------------------------------------------
    /**
     * What the store held for this digest before this scan was recorded: the last good verdict, or
     * an `error` outcome when no scan of the digest had ever succeeded; null for a first scan.
     */
    readonly previous: { readonly outcome: VerdictOutcome; readonly scannedAt: Date; readonly dbVersion: string | null } | null;
    /**
     * Findings of this scan absent from the previously stored findings of the same digest (same
     * vulnerability id, package, version, target and path). Every finding when nothing good was
     * stored before; empty for an `error` verdict. On a redelivery (`redelivered`) the same
     * findings, read back from the store (rows of one identical entry repeated, report order of first appearance).
     */
    readonly newFindings: readonly Finding[];
    /** When the vulnerability DB this scan used was built (Trivy's VulnerabilityDB.UpdatedAt); null when unknown. */
    readonly dbVersion: string | null;
    /**
     * True when this request's scan had already been recorded (a redelivered message): no scan ran,
     * the event is rebuilt from the stored summary so observers that missed it get it again.
     */
    readonly redelivered: boolean;
}

export interface VerdictObserver {
    onVerdict(event: ScanVerdictEvent): Promise<void>;
}
