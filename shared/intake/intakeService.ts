import { createHash } from 'node:crypto';
import { isUsableEventId } from '../events/normalise';
import type { NormalisedEvent, RegistryEvent } from '../events/registryEvent';
import { scanRequestIdFor, type ScanRequest } from '../scan/scanRequest';
import { decideIntake } from './decide';
import type { EventKey, RegistryEventStore } from './eventStore';
import type { IntakeLog } from './intakeLog';
import type { LivePushObserver } from './livePushObserver';
import type { Route, RoutingDecision, RoutingRules } from './route';
import type { ScanRequestSink } from '../scan/scanRequestSink';

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
    /** `first`: handled and recorded now; `duplicate`: an earlier (or concurrent) delivery recorded it. */
    readonly delivery: 'first' | 'duplicate';
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
    return {
        id: id !== null && isUsableEventId(id) ? id : `payload-sha256:${createHash('sha256').update(rawText(input)).digest('hex')}`,
        slot: 'rejected',
    };
}

/**
 * Registry event intake, per event: normalise, route, look the event up (dedup), perform the
 * route's side effects (enqueue a scan request; record a digest row and call the live-push
 * observer), then record the event with a conditional insert.
 *
 * Crash safety comes from the order: the record is the commit, written only after every side
 * effect succeeded. A delivery that finds the record does nothing; one that does not (the first,
 * or a redelivery after a failure anywhere before the record) performs the side effects. So a
 * failed enqueue is retried by Event Grid's redelivery, and at worst (a crash between enqueue
 * and record, or two deliveries in flight at once) a scan request is sent twice: harmless,
 * scans are idempotent per digest. The conditional insert keeps one record per event. This
 * costs one read, the side effects and one insert per event: a pending/done state machine
 * (insert, enqueue, update) would need the same writes plus one.
 * Storage failures propagate (the trigger throws, Event Grid retries); bad input never throws:
 * it is logged and recorded with its reason.
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
        const reason = decision.route === 'reject' ? decision.reason : decision.why;
        const result = (delivery: IntakeResult['delivery'], scanRequestId: string | null): IntakeResult => ({
            key,
            route: decision.route,
            reason,
            delivery,
            scanRequestId,
        });

        const existing = await this.deps.store.get(key);
        if (existing) {
            log.log(`registry event ${key.id} (${key.slot}) already handled (route ${existing.route}): duplicate delivery ignored`);
            return result('duplicate', existing.scanRequestId);
        }

        const receivedAt = this.now().toISOString();
        const scanRequest = decision.route === 'scan' ? this.scanRequestFor(decision.event, receivedAt) : null;
        for (const warning of outcome.warnings) log.warn(`registry event ${key.id}: ${warning}`);
        if (decision.route === 'reject') log.warn(`registry event ${key.id} rejected: ${decision.reason}`);
        await this.perform(decision, scanRequest, log);

        const recorded = await this.deps.store.insert({
            key,
            route: decision.route,
            reason,
            event: outcome.ok ? outcome.event : outcome.partial,
            warnings: outcome.warnings,
            raw: outcome.ok ? null : rawText(input).slice(0, MAX_RAW),
            receivedAt,
            scanRequestId: scanRequest?.requestId ?? null,
        });
        if (!recorded) {
            // Another delivery of the same event finished in between (its scan request, if any, was sent too).
            log.log(`registry event ${key.id} (${key.slot}) was recorded by a concurrent delivery`);
            return result('duplicate', scanRequest?.requestId ?? null);
        }
        if (decision.route !== 'reject') {
            log.log(
                `registry event ${key.id} (${key.slot}) routed to ${decision.route}: ${decision.why}` +
                    (scanRequest ? `; scan request ${scanRequest.requestId} queued` : ''),
            );
        }
        return result('first', scanRequest?.requestId ?? null);
    }

    /**
     * Digest rows for live pushes (the quarantine check looks them up by digest) and image
     * deletes. Quarantine pushes get none: their scan result is recorded by digest downstream,
     * and one write fewer on the hot path keeps intake near the raw queue throughput.
     */
    private digestEntryOf(decision: RoutingDecision) {
        if (decision.route !== 'live-check' && decision.route !== 'record') return null;
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
