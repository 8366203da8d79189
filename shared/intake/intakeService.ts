import { createHash } from 'node:crypto';
import type { NormalisedEvent, RegistryEvent } from '../events/registryEvent';
import { scanRequestIdFor, type ScanRequest } from '../scan/scanRequest';
import { decideIntake } from './decide';
import type { EventKey, EventRecord, RegistryEventStore } from './eventStore';
import type { IntakeLog } from './intakeLog';
import type { LivePushObserver } from './livePushObserver';
import type { Route, RoutingDecision, RoutingRules } from './route';
import type { ScanRequestSink } from './scanRequestSink';

export interface IntakeDependencies {
    readonly store: RegistryEventStore;
    readonly scanRequests: ScanRequestSink;
    readonly livePushes: LivePushObserver;
    readonly rules: RoutingRules;
    /** Login server used when an event names none (ACR_GUARD_REGISTRY_LOGIN_SERVER). */
    readonly defaultRegistry: string | null;
    readonly now?: () => Date;
}

export interface IntakeResult {
    readonly key: EventKey;
    readonly route: Route;
    /** Reject reason, or why the route was chosen. */
    readonly reason: string;
    /** `first`: processed now; `duplicate`: already done earlier; `resumed`: an earlier delivery stopped half-way. */
    readonly delivery: 'first' | 'duplicate' | 'resumed';
    readonly scanRequestId: string | null;
}

const MAX_RAW = 30_000;
const shortType = (type: string) => type.split('.').pop() ?? type;

function rawText(input: unknown): string {
    if (typeof input === 'string') return input;
    try {
        return JSON.stringify(input) ?? String(input);
    } catch {
        return String(input);
    }
}

/** The dedup key: the envelope id when usable, else a hash of the payload (rejects only). */
function keyOf(outcome: NormalisedEvent, input: unknown): EventKey {
    if (outcome.ok) return { id: outcome.event.eventId, slot: shortType(outcome.event.type) };
    const id = outcome.partial.eventId;
    const usable = id !== null && id.length > 0 && !/[\u0000-\u001f\u007f]/.test(id);
    return {
        id: usable ? id : `payload-sha256:${createHash('sha256').update(rawText(input)).digest('hex')}`,
        slot: 'rejected',
    };
}

/**
 * Registry event intake, per event: normalise, route, claim the event row (a conditional insert:
 * the dedup), perform the route's side effects, mark the row done.
 *
 * Crash safety: the row is claimed `pending` before any side effect and marked `done` after
 * all of them. A delivery that finds a `pending` row (an earlier one failed after the insert)
 * performs the side effects again; one that finds `done` does nothing. So a failed enqueue is
 * retried by Event Grid's redelivery, and at worst a scan request is sent twice (harmless:
 * scans are idempotent per digest). Storage failures propagate (the trigger throws, Event Grid
 * retries); bad input never throws: it is logged and recorded with its reason.
 */
export class IntakeService {
    private readonly now: () => Date;

    constructor(private readonly deps: IntakeDependencies) {
        this.now = deps.now ?? (() => new Date());
    }

    /** Decides without side effects (what `acr-guard event inspect` shows). */
    decide(input: unknown): { outcome: NormalisedEvent; decision: RoutingDecision } {
        return decideIntake(input, this.deps.rules, this.deps.defaultRegistry);
    }

    async handle(input: unknown, log: IntakeLog): Promise<IntakeResult> {
        const { outcome, decision } = this.decide(input);
        const key = keyOf(outcome, input);
        const receivedAt = this.now().toISOString();
        const reason = decision.route === 'reject' ? decision.reason : decision.why;
        const hasSideEffects = decision.route !== 'reject' && decision.route !== 'ignore' && this.digestEntryOf(decision) !== null;
        const scanRequest = decision.route === 'scan' ? this.scanRequestFor(decision.event, receivedAt) : null;
        const record: EventRecord = {
            key,
            route: decision.route,
            reason,
            state: hasSideEffects ? 'pending' : 'done',
            event: outcome.ok ? outcome.event : outcome.partial,
            warnings: outcome.warnings,
            raw: outcome.ok ? null : rawText(input).slice(0, MAX_RAW),
            receivedAt,
            scanRequestId: scanRequest?.requestId ?? null,
        };
        const result = (delivery: IntakeResult['delivery']): IntakeResult => ({
            key,
            route: decision.route,
            reason,
            delivery,
            scanRequestId: record.scanRequestId,
        });

        const claim = await this.deps.store.claim(record);
        if (!claim.claimed && claim.existing.state === 'done') {
            log.log(`registry event ${key.id} (${key.slot}) already handled (route ${claim.existing.route}): duplicate delivery ignored`);
            return result('duplicate');
        }
        const delivery = claim.claimed ? 'first' : 'resumed';
        for (const warning of outcome.warnings) log.warn(`registry event ${key.id}: ${warning}`);
        if (decision.route === 'reject') {
            log.warn(`registry event ${key.id} rejected: ${decision.reason}`);
            return result(delivery);
        }
        if (!hasSideEffects) {
            log.log(`registry event ${key.id} (${key.slot}) routed to ${decision.route}: ${decision.why}`);
            return result(delivery);
        }

        await this.perform(decision, scanRequest, log);
        await this.deps.store.markDone(key);
        log.log(
            `registry event ${key.id} (${key.slot}) routed to ${decision.route}: ${decision.why}` +
                (scanRequest ? `; scan request ${scanRequest.requestId} queued` : '') +
                (delivery === 'resumed' ? ' (resumed an unfinished earlier delivery)' : ''),
        );
        return result(delivery);
    }

    /**
     * Several events (an Event Grid batch, a replay) at once: independent events run
     * concurrently, `concurrency` at a time. Rejects with the first storage failure after all
     * started events settled, so a retry finds each in a consistent state.
     */
    async handleBatch(inputs: readonly unknown[], log: IntakeLog, concurrency = 16): Promise<IntakeResult[]> {
        const results: IntakeResult[] = new Array<IntakeResult>(inputs.length);
        const failures: unknown[] = [];
        let next = 0;
        const worker = async () => {
            while (next < inputs.length) {
                const index = next++;
                try {
                    results[index] = await this.handle(inputs[index], log);
                } catch (err) {
                    failures.push(err);
                }
            }
        };
        await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, inputs.length)) }, worker));
        if (failures.length > 0) throw failures[0];
        return results;
    }

    private digestEntryOf(decision: RoutingDecision) {
        if (decision.route === 'reject' || decision.route === 'ignore') return null;
        const event = decision.event;
        const isImage = event.type.endsWith('.ImagePushed') || event.type.endsWith('.ImageDeleted');
        if (!isImage || !event.digest || !event.repository) return null;
        return {
            digest: event.digest,
            eventId: event.eventId,
            eventType: event.type,
            route: decision.route,
            registry: event.registry,
            repository: event.repository,
            tag: event.tag,
            time: event.time,
        };
    }

    private scanRequestFor(event: RegistryEvent, requestedAt: string): ScanRequest {
        return {
            schema: 'acr-guard.scan-request',
            version: 1,
            requestId: scanRequestIdFor(event.eventId, 'push'),
            registry: (event.registry ?? this.deps.defaultRegistry) as string,
            repository: event.repository as string,
            digest: event.digest as string,
            tag: event.tag,
            reason: 'push',
            requestedAt,
            sourceEventId: event.eventId,
        };
    }

    private async perform(decision: RoutingDecision, scanRequest: ScanRequest | null, log: IntakeLog): Promise<void> {
        const entry = this.digestEntryOf(decision);
        const writes: Promise<void>[] = [];
        if (entry) writes.push(this.deps.store.recordDigest(entry));
        if (scanRequest) writes.push(this.deps.scanRequests.send(scanRequest));
        // Independent writes in parallel: one round trip of latency instead of two.
        const settled = await Promise.allSettled(writes);
        const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
        if (failed) throw failed.reason;
        // The live check runs once the push is findable by digest.
        if (decision.route === 'live-check' && entry) {
            await this.deps.livePushes.livePushed({ ...decision.event, repository: entry.repository, digest: entry.digest }, log);
        }
    }
}
