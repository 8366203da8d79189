import { randomUUID } from 'node:crypto';
import type { EventDetails, RegistryEvent } from './registryState';

/** What ACR reports of the request behind an event (`data.request`, `data.actor`). */
export interface RequestInfo {
    readonly id: string;
    readonly method: string;
    readonly useragent?: string;
    readonly addr?: string;
    readonly actor?: string;
}

export interface EventGridEventContext {
    /** The registry's ARM resource id: the system topic's `topic`. */
    readonly topic: string;
    /** `data.request.host`: ACR reports its login server. */
    readonly loginServer: string;
    readonly location: string;
    readonly now?: () => Date;
}

/**
 * A registry event in the Event Grid schema as ACR publishes it to a system topic (see
 * ../shared/fixtures/eventgrid: rest-api-specs event-grid-schema/image_pushed.json and
 * image_deleted.json): `Microsoft.ContainerRegistry.ImagePushed` with target mediaType, size,
 * digest, length, repository and tag; `ImageDeleted` with target mediaType, digest and repository
 * only; `request` {id, host, method, useragent}; `actor` {name} when known. One event per tag
 * (ACR sends one per pushed reference); an untagged push or an import without tags sends one
 * without `tag`. Tag-only deletes and attribute changes raise nothing, as in ACR.
 */
export function eventGridEventsOf(event: RegistryEvent, details: EventDetails, context: EventGridEventContext): unknown[] {
    const { request } = details;
    if (event.kind !== 'push' && event.kind !== 'import' && event.kind !== 'delete') return [];
    const now = (context.now ?? (() => new Date()))().toISOString();
    const requestBody = request
        ? {
              request: {
                  id: request.id,
                  ...(request.addr ? { addr: request.addr } : {}),
                  host: context.loginServer,
                  method: request.method,
                  ...(request.useragent ? { useragent: request.useragent } : {}),
              },
              ...(request.actor ? { actor: { name: request.actor } } : {}),
          }
        : {};
    const envelope = (eventType: string, subject: string, target: Record<string, unknown>, action: string) => {
        const id = randomUUID();
        return {
            id,
            topic: context.topic,
            subject,
            eventType: `Microsoft.ContainerRegistry.${eventType}`,
            eventTime: now,
            data: { id, timestamp: now, action, location: context.location, target, ...requestBody },
            dataVersion: '1.0',
            metadataVersion: '1',
        };
    };
    if (event.kind === 'delete') {
        return [envelope('ImageDeleted', event.repository, { mediaType: details.mediaType, digest: event.digest, repository: event.repository }, 'delete')];
    }
    const target = (tag?: string) => ({
        mediaType: details.mediaType,
        size: details.size,
        digest: event.digest,
        length: details.size,
        repository: event.repository,
        ...(tag !== undefined ? { tag } : {}),
    });
    if (event.tags.length === 0) return [envelope('ImagePushed', event.repository, target(), 'push')];
    return event.tags.map((tag) => envelope('ImagePushed', `${event.repository}:${tag}`, target(tag), 'push'));
}
