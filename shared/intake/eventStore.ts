import type { PartialRegistryEvent, RegistryEvent } from '../events/registryEvent';
import type { Route } from './route';

/**
 * Where intake records every event it received (accepted, ignored or rejected) and, by digest,
 * every image event it acted on. The record doubles as the deduplication ledger: claiming an
 * event is a conditional insert, so only the first delivery wins.
 */

/** `pending`: claimed, side effects (enqueue, live check) not yet confirmed; `done`: complete. */
export type EventState = 'pending' | 'done';

/** Identity of a received event: the envelope id (or a payload hash when it has none) and a slot. */
export interface EventKey {
    readonly id: string;
    /**
     * Short type name (`ImagePushed`, …) or `rejected`. Event Grid ids are unique per topic; the
     * slot keeps a publisher that reuses an id across types (the Java SDK samples do) from losing events.
     */
    readonly slot: string;
}

export interface EventRecord {
    readonly key: EventKey;
    readonly route: Route;
    /** Reject reason, or why the route was chosen. */
    readonly reason: string;
    readonly state: EventState;
    readonly event: RegistryEvent | PartialRegistryEvent;
    readonly warnings: readonly string[];
    /** The raw input of a rejected event (truncated), so nothing is lost; null otherwise. */
    readonly raw: string | null;
    readonly receivedAt: string;
    /** Id of the scan request sent for this event (route `scan`). */
    readonly scanRequestId: string | null;
}

/** One image event of a digest: lets the quarantine check find live pushes by digest. */
export interface DigestEntry {
    readonly digest: string;
    readonly eventId: string;
    readonly eventType: string;
    readonly route: Route;
    readonly registry: string | null;
    readonly repository: string;
    readonly tag: string | null;
    readonly time: string | null;
}

export type ClaimResult = { readonly claimed: true } | { readonly claimed: false; readonly existing: EventRecord };

export interface RegistryEventStore {
    /** Inserts the record unless one with the same key exists (then returns the existing one). */
    claim(record: EventRecord): Promise<ClaimResult>;
    /** Marks a claimed event complete. */
    markDone(key: EventKey): Promise<void>;
    get(key: EventKey): Promise<EventRecord | undefined>;
    /** Idempotent (upsert). */
    recordDigest(entry: DigestEntry): Promise<void>;
    findByDigest(digest: string): Promise<DigestEntry[]>;
}
