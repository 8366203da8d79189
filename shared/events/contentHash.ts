import { createHash } from 'node:crypto';
import type { PartialRegistryEvent } from './registryEvent';

/** The parts of an event that decide what acr-guard does with it. */
export type EventContent = Pick<PartialRegistryEvent, 'type' | 'repository' | 'digest' | 'tag'>;

/** Bumped (never reused) if the hashed material ever changes; part of the hash text, so old and new never compare equal by accident. */
export const EVENT_CONTENT_HASH_VERSION = 'v1';

/**
 * A stable hash of what matters in a registry event: type, repository, digest, tag. Two deliveries of
 * one event hash alike whatever their envelope (Event Grid or CloudEvents, short or full type name),
 * timestamps, actor or request details; a different type, repository, digest or tag gives a different
 * hash. The event id is deliberately not part of it: the hash is stored next to the id so that a known
 * id arriving with other content is noticed (issue 10: dedup on content). Pure.
 *
 * The material is a JSON array, so no choice of values can make two different events collide by
 * concatenation (`a/b` + `c` vs `a` + `b/c`); nulls (absent tag, rejected events) are kept as null.
 */
export function eventContentHash(event: EventContent): string {
    const material = JSON.stringify([EVENT_CONTENT_HASH_VERSION, event.type ?? null, event.repository ?? null, event.digest ?? null, event.tag ?? null]);
    return `${EVENT_CONTENT_HASH_VERSION}:${createHash('sha256').update(material, 'utf8').digest('hex')}`;
}

/**
 * How a delivery whose id is already recorded relates to the recorded one:
 * - `duplicate`: same content, a redelivery: drop it;
 * - `different-content`: the id was reused for other content: process it and log it as suspicious;
 * - `unknown`: the stored row has no hash (written before hashes existed) or one of another version:
 *   process it (every handler is idempotent) rather than trust the id alone.
 */
export function compareEventContent(storedHash: string | null | undefined, event: EventContent): 'duplicate' | 'different-content' | 'unknown' {
    if (typeof storedHash !== 'string' || !storedHash.startsWith(`${EVENT_CONTENT_HASH_VERSION}:`)) return 'unknown';
    return storedHash === eventContentHash(event) ? 'duplicate' : 'different-content';
}
