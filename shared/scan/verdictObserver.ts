import type { Verdict } from '../policy/verdict';

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
}

export interface VerdictObserver {
    onVerdict(event: ScanVerdictEvent): Promise<void>;
}
