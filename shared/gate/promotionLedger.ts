/**
 * The promotion ledger: every promotion of a digest into a live repository, recorded as an
 * *intent* before the import starts and *confirmed* after it finished (or *failed*). The live
 * check treats intent and confirmed alike, so the push event an import causes is recognised even
 * if the promoter crashes between the import and the confirmation.
 */
export type PromotionState = 'intent' | 'confirmed' | 'failed';

export interface Promotion {
    readonly registry: string;
    readonly sourceRepository: string;
    readonly targetRepository: string;
    readonly digest: string;
    /** Every tag this digest was promoted under in the target repository. */
    readonly tags: readonly string[];
    readonly state: PromotionState;
    /** `auto` (scan verdict pass) or `approval` (POST /api/promotions). */
    readonly requestedBy: string;
    /** Who approved the latest approval of this promotion (shared/auth describeCaller: `entra oid=… upn=…`). */
    readonly approvedBy?: string;
    readonly intentAt: string;
    readonly confirmedAt: string | null;
    readonly failedAt: string | null;
    readonly lastError: string | null;
}

export interface PromotionIntent {
    readonly registry: string;
    readonly sourceRepository: string;
    readonly targetRepository: string;
    readonly digest: string;
    readonly tag: string;
    readonly requestedBy: string;
    readonly approvedBy?: string;
}

/** True when a live push of this record's digest into its target repository is legitimate. */
export const countsAsPromotion = (p: Pick<Promotion, 'state'> | null | undefined): boolean =>
    p !== null && p !== undefined && (p.state === 'intent' || p.state === 'confirmed');

export interface PromotionLedger {
    /** Records (or re-opens) the intent; idempotent; a confirmed promotion stays confirmed (the tag is merged). */
    recordIntent(intent: PromotionIntent): Promise<Promotion>;
    confirm(targetRepository: string, digest: string, tag: string): Promise<Promotion>;
    /**
     * Records a failed import. `final` marks it failed (no longer a promotion); a transient failure
     * keeps the intent (the import may still have happened) and only records the error.
     */
    fail(targetRepository: string, digest: string, error: string, final: boolean): Promise<Promotion | null>;
    find(targetRepository: string, digest: string): Promise<Promotion | null>;
    /** Every promotion of a digest, into any repository. */
    findByDigest(digest: string): Promise<Promotion[]>;
}
