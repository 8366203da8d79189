import type { AlertInput, RaiseResult } from '../alerts';
import { RegistryError, type Registry } from '../registry/registry';
import { liveRepositoryFor, type GatePrefixes } from './livePromotionTarget';
import type { Promotion, PromotionLedger } from './promotionLedger';
import { AcrGuardError } from '../errors/acrGuardError';
import { errorMessage } from '../errors/errorMessage';

export interface PromotionRequest {
    /** Login server of the guarded registry (alerts name it). */
    readonly registry: string;
    /** `quarantine/NAME` */
    readonly sourceRepository: string;
    readonly digest: string;
    readonly tag: string;
    /** `auto` or `approval`. */
    readonly requestedBy: string;
    /** For approvals: who approved (recorded in the ledger). */
    readonly approvedBy?: string;
}

export type PromotionOutcome =
    | { readonly status: 'promoted'; readonly promotion: Promotion }
    /** Already confirmed under this tag: nothing imported again (idempotent). */
    | { readonly status: 'already-promoted'; readonly promotion: Promotion };

/** The request cannot be promoted at all (not in quarantine): nothing was recorded. */
export class PromotionRefused extends AcrGuardError {
    constructor(code: string, reason: string) {
        super(reason, { code, retryable: false });
    }
}

/** The import failed; `transient` says whether trying again later may help. The alert is raised. */
export class PromotionFailed extends AcrGuardError {
    constructor(retryable: boolean, message: string, options?: { cause?: unknown }) {
        super(message, { code: 'promotion-failed', retryable, cause: options?.cause });
    }
}

export interface PromoterDeps {
    readonly ledger: PromotionLedger;
    readonly registry: Registry;
    readonly alerts: { raise(input: AlertInput): Promise<RaiseResult> };
    readonly prefixes: GatePrefixes;
    readonly log?: { info(m: string): void; warn(m: string): void };
}

/**
 * Promotes `quarantine/NAME@DIGEST` to `live/NAME:TAG` with ARM importImage from the same
 * registry, so the digest is preserved. The ledger gets the intent first, then the import runs to
 * its end (the adapter follows the 202 + Location operation and reads the target tag back), then
 * the ledger is confirmed. Mode `Force`: the gate is the only writer of live/, and moving a tag to
 * a newer vetted digest is what promotion of a rebuilt image means.
 */
export class Promoter {
    constructor(private readonly deps: PromoterDeps) {}

    async promote(request: PromotionRequest): Promise<PromotionOutcome> {
        const target = liveRepositoryFor(request.sourceRepository, this.deps.prefixes);
        if (target === null) {
            throw new PromotionRefused('not-in-quarantine', `${request.sourceRepository} is not under ${this.deps.prefixes.quarantinePrefix}: only quarantined images are promoted`);
        }
        const existing = await this.deps.ledger.find(target, request.digest);
        if (existing?.state === 'confirmed' && existing.tags.includes(request.tag)) return { status: 'already-promoted', promotion: existing };

        await this.deps.ledger.recordIntent({ ...request, targetRepository: target });
        try {
            await this.deps.registry.importByDigest({
                sourceRepository: request.sourceRepository,
                digest: request.digest,
                targetRepository: target,
                targetTag: request.tag,
                mode: 'Force',
            });
        } catch (err) {
            const transient = err instanceof RegistryError ? err.retryable : false;
            const message = errorMessage(err);
            await this.deps.ledger.fail(target, request.digest, message, !transient);
            await this.alertFailure(request, target, message, transient);
            throw new PromotionFailed(transient, `promotion of ${request.sourceRepository}@${request.digest} to ${target}:${request.tag} failed: ${message}`, { cause: err });
        }
        const promotion = await this.deps.ledger.confirm(target, request.digest, request.tag);
        this.deps.log?.info(`promoted ${request.sourceRepository}@${request.digest} to ${target}:${request.tag} (${request.requestedBy})`);
        return { status: 'promoted', promotion };
    }

    private async alertFailure(request: PromotionRequest, target: string, message: string, transient: boolean): Promise<void> {
        try {
            await this.deps.alerts.raise({
                kind: 'promotion-failed',
                detectedBy: 'promotion',
                subject: { registry: request.registry, repository: request.sourceRepository, tag: request.tag, digest: request.digest },
                details: { error: message, operation: 'importImage', extra: { targetRepository: target, transient, requestedBy: request.requestedBy } },
            });
        } catch (alertErr) {
            // The import error is what the caller must see; the alert failure is logged, not lost silently.
            this.deps.log?.warn(`could not raise promotion-failed for ${request.sourceRepository}@${request.digest}: ${(alertErr as Error).message}`);
        }
    }
}
