import type { IntakeLog } from '../intake/intakeLog';
import type { LivePush, LivePushObserver } from '../intake/livePushObserver';
import type { BypassResponder, BypassResponse } from './bypassResponder';
import { countsAsPromotion, type PromotionLedger } from './promotionLedger';

/**
 * The event path of skipped-quarantine detection: every push into live/ that intake hands over
 * is checked against the promotion ledger by (repository, digest). A promotion (intent or
 * confirmed) of that digest into that repository makes it legitimate; anything else, including
 * a tag moved to a digest that was never promoted, is a bypass. Idempotent: the alert dedups and
 * the lock is recorded once. Storage errors throw, so Event Grid redelivers.
 */
export class LiveCheck implements LivePushObserver {
    constructor(
        private readonly ledger: Pick<PromotionLedger, 'find'>,
        private readonly responder: BypassResponder,
    ) {}

    async livePushed(push: LivePush, log: IntakeLog): Promise<void> {
        await this.check(push, log);
    }

    /** Same as livePushed, returning what it did (null = a recognised promotion). */
    async check(push: LivePush, log?: Pick<IntakeLog, 'warn'>): Promise<BypassResponse | null> {
        const promotion = await this.ledger.find(push.repository, push.digest);
        if (countsAsPromotion(promotion)) return null;
        const response = await this.responder.respond({
            repository: push.repository,
            digest: push.digest,
            tag: push.tag,
            actor: push.actor,
            userAgent: push.userAgent,
            requestHost: push.requestHost,
            time: push.time,
            operation: push.action ?? 'push',
            sourceId: push.eventId,
            detectedBy: 'event',
        });
        log?.warn(`quarantine bypass: ${push.repository}@${push.digest}${push.tag ? ` (tag ${push.tag})` : ''} has no promotion; alert ${response.alertId}, lock ${response.lock}`);
        return response;
    }
}
