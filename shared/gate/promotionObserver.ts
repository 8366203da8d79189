import type { ScanVerdictEvent, VerdictObserver } from '../scan/verdictObserver';
import { PromotionFailed, PromotionRefused, type Promoter } from './promoter';

export interface PromotionObserverOptions {
    readonly autoPromote: boolean;
    readonly quarantinePrefix: string;
    readonly log?: { info(m: string): void; warn(m: string): void };
}

/**
 * Auto-promotion: a `pass` verdict on a quarantined image promotes it. Anything else is left
 * alone (fail closed). An image pushed without a tag is not promoted: live/ consumers pull by
 * name, and inventing a tag would publish a name nobody chose; approve it with a tag through
 * POST /api/promotions instead. Transient import failures are rethrown so the scan request is
 * retried; permanent ones are already alerted (promotion-failed) and not retried.
 */
export class PromotionObserver implements VerdictObserver {
    constructor(
        private readonly promoter: Promoter,
        private readonly options: PromotionObserverOptions,
    ) {}

    async onVerdict(event: ScanVerdictEvent): Promise<void> {
        if (!this.options.autoPromote) return;
        if (event.verdict.outcome !== 'pass') return;
        if (!event.repository.startsWith(this.options.quarantinePrefix)) return;
        if (event.tag === null) {
            this.options.log?.info(`not promoting ${event.repository}@${event.digest}: pushed without a tag (approve it with a tag)`);
            return;
        }
        try {
            await this.promoter.promote({ registry: event.registry, sourceRepository: event.repository, digest: event.digest, tag: event.tag, requestedBy: 'auto' });
        } catch (err) {
            if (err instanceof PromotionFailed && !err.retryable) {
                this.options.log?.warn(err.message);
                return;
            }
            if (err instanceof PromotionRefused) {
                this.options.log?.warn(err.message);
                return;
            }
            throw err;
        }
    }
}
