import type { PartialRegistryEvent, RegistryEvent } from '../events/registryEvent';
import type { Route } from './route';

/**
 * Where intake records every event it handled (accepted, ignored or rejected) and, by digest,
 * the live pushes and deletes. The record doubles as the deduplication ledger: it is written
 * with a conditional insert once the event's side effects are done, so a record means "handled".
 */

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

export interface RegistryEventStore {
    get(key: EventKey): Promise<EventRecord | undefined>;
    /** Conditional insert: false (and nothing written) when a record with the same key exists. */
    insert(record: EventRecord): Promise<boolean>;
    /** Idempotent (upsert). */
    recordDigest(entry: DigestEntry): Promise<void>;
    findByDigest(digest: string): Promise<DigestEntry[]>;
}
