import { odata, type TableClient } from '@azure/data-tables';
import { type Promotion, type PromotionIntent, type PromotionLedger, type PromotionState } from './promotionLedger';
import { isConflict, isNotFound } from '../errors/restStatus';
import { retryOnConflict } from '../errors/retryOnConflict';
import { repositoryFromKey, repositoryKey } from './tableKeys';

/**
 * The ledger on Table storage (`Promotions`): PartitionKey = digest, RowKey = target repository
 * (see tableKeys.ts). "Was this digest promoted into this repository?" is one point read; "where
 * was this digest promoted?" is one partition query. Every change is a read-modify-write under
 * the row's ETag, so concurrent promoters (a redelivered verdict, an approval) cannot lose a tag.
 */
interface PromotionEntity {
    partitionKey: string;
    rowKey: string;
    registry: string;
    sourceRepository: string;
    tags: string;
    state: PromotionState;
    requestedBy: string;
    approvedBy?: string;
    intentAt: string;
    confirmedAt?: string;
    failedAt?: string;
    lastError?: string;
}

const MAX_CONFLICT_RETRIES = 20;
const MAX_ERROR = 1024;

function toPromotion(e: PromotionEntity): Promotion {
    return {
        registry: e.registry,
        sourceRepository: e.sourceRepository,
        targetRepository: repositoryFromKey(e.rowKey),
        digest: e.partitionKey,
        tags: JSON.parse(e.tags) as string[],
        state: e.state,
        requestedBy: e.requestedBy,
        ...(e.approvedBy ? { approvedBy: e.approvedBy } : {}),
        intentAt: e.intentAt,
        confirmedAt: e.confirmedAt ?? null,
        failedAt: e.failedAt ?? null,
        lastError: e.lastError ?? null,
    };
}

const withTag = (tags: string, tag: string) => {
    const list = JSON.parse(tags) as string[];
    return JSON.stringify(list.includes(tag) ? list : [...list, tag]);
};

export class TablePromotionLedger implements PromotionLedger {
    constructor(
        private readonly table: TableClient,
        private readonly now: () => Date = () => new Date(),
    ) {}

    async recordIntent(intent: PromotionIntent): Promise<Promotion> {
        const at = this.now().toISOString();
        const fresh: PromotionEntity = {
            partitionKey: intent.digest,
            rowKey: repositoryKey(intent.targetRepository),
            registry: intent.registry,
            sourceRepository: intent.sourceRepository,
            tags: JSON.stringify([intent.tag]),
            state: 'intent',
            requestedBy: intent.requestedBy,
            ...(intent.approvedBy ? { approvedBy: intent.approvedBy } : {}),
            intentAt: at,
        };
        try {
            await this.table.createEntity(fresh);
            return toPromotion(fresh);
        } catch (err) {
            if (!isConflict(err)) throw err;
        }
        const updated = await this.change(intent.targetRepository, intent.digest, (e) => {
            const tags = withTag(e.tags, intent.tag);
            // The latest approver is who is answerable for the promotion as it stands now.
            const approvedBy = intent.approvedBy ?? e.approvedBy;
            // A failed promotion is re-opened; intent and confirmed keep their state (a confirmed
            // promotion must not look unconfirmed because a redelivered verdict asked again).
            if (e.state === 'failed') return { ...e, tags, state: 'intent', intentAt: at, requestedBy: intent.requestedBy, approvedBy };
            return tags === e.tags && approvedBy === e.approvedBy ? undefined : { ...e, tags, approvedBy };
        });
        if (!updated) throw new Error(`promotion row ${intent.targetRepository}@${intent.digest} vanished while recording the intent`);
        return updated;
    }

    async confirm(targetRepository: string, digest: string, tag: string): Promise<Promotion> {
        const at = this.now().toISOString();
        const updated = await this.change(targetRepository, digest, (e) =>
            e.state === 'confirmed' && withTag(e.tags, tag) === e.tags
                ? undefined
                : { ...e, state: 'confirmed', tags: withTag(e.tags, tag), confirmedAt: at, lastError: undefined, failedAt: undefined },
        );
        if (!updated) throw new Error(`no promotion intent for ${targetRepository}@${digest} to confirm`);
        return updated;
    }

    async fail(targetRepository: string, digest: string, error: string, final: boolean): Promise<Promotion | null> {
        const at = this.now().toISOString();
        const lastError = error.length > MAX_ERROR ? `${error.slice(0, MAX_ERROR - 1)}…` : error;
        return this.change(targetRepository, digest, (e) => {
            // Never downgrade a confirmed promotion: the image is in live/ and was vetted.
            if (e.state === 'confirmed') return undefined;
            return final ? { ...e, state: 'failed', failedAt: at, lastError } : { ...e, lastError };
        });
    }

    async find(targetRepository: string, digest: string): Promise<Promotion | null> {
        const entity = await this.read(targetRepository, digest);
        return entity ? toPromotion(entity.entity) : null;
    }

    async findByDigest(digest: string): Promise<Promotion[]> {
        const out: Promotion[] = [];
        for await (const e of this.table.listEntities<PromotionEntity>({ queryOptions: { filter: odata`PartitionKey eq ${digest}` } })) {
            out.push(toPromotion(e));
        }
        return out;
    }

    private async read(targetRepository: string, digest: string): Promise<{ entity: PromotionEntity; etag: string } | null> {
        try {
            const e = await this.table.getEntity<PromotionEntity>(digest, repositoryKey(targetRepository));
            return { entity: e, etag: e.etag };
        } catch (err) {
            if (isNotFound(err)) return null;
            throw err;
        }
    }

    /** Read-modify-write under the ETag; `change` returns undefined for "nothing to do". */
    private async change(targetRepository: string, digest: string, change: (e: PromotionEntity) => PromotionEntity | undefined): Promise<Promotion | null> {
        return retryOnConflict(
            async () => {
                const current = await this.read(targetRepository, digest);
                if (!current) return null;
                const next = change(current.entity);
                if (!next) return toPromotion(current.entity);
                const { partitionKey, rowKey, registry, sourceRepository, tags, state, requestedBy, approvedBy, intentAt, confirmedAt, failedAt, lastError } = next;
                // Replace (not merge) so that cleared optional fields really go away.
                await this.table.updateEntity(
                    { partitionKey, rowKey, registry, sourceRepository, tags, state, requestedBy, ...(approvedBy ? { approvedBy } : {}), intentAt, ...(confirmedAt ? { confirmedAt } : {}), ...(failedAt ? { failedAt } : {}), ...(lastError ? { lastError } : {}) },
                    'Replace',
                    { etag: current.etag },
                );
                return toPromotion(next);
            },
            { what: `promotion row ${targetRepository}@${digest}`, maxAttempts: MAX_CONFLICT_RETRIES },
        );
    }
}
