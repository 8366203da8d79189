import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareEventContent, eventContentHash } from '../../shared/events/contentHash';
import { normaliseEvent, normaliseEvents } from '../../shared/events/normalise';
import type { RegistryEvent } from '../../shared/events/registryEvent';

const EVENTGRID = path.resolve(__dirname, '../../../shared/fixtures/eventgrid');
const load = (p: string) => JSON.parse(readFileSync(path.join(EVENTGRID, p), 'utf8'));
const accepted = (input: unknown): RegistryEvent => {
    const n = normaliseEvent(input);
    if (!n.ok) throw new Error(n.reason);
    return n.event;
};

describe('eventContentHash', () => {
    const eventGrid = accepted(load('rest-api-specs/event-grid-schema/image_pushed.json'));
    const cloudEvents = accepted(load('rest-api-specs/cloud-events-schema/image_pushed.json'));
    const legacy = accepted(load('rest-api-specs/legacy-v1/image_pushed.json'));

    it('one push in three real envelopes (Event Grid, CloudEvents, legacy v1) hashes alike', () => {
        expect(eventGrid.schema).not.toBe(cloudEvents.schema);
        expect(eventContentHash(cloudEvents)).toBe(eventContentHash(eventGrid));
        expect(eventContentHash(legacy)).toBe(eventContentHash(eventGrid));
        expect(eventContentHash(eventGrid)).toMatch(/^v1:[0-9a-f]{64}$/);
    });

    it('the short type name of the docs samples hashes like the full one', () => {
        const [short] = normaliseEvents(load('azure-docs/docs-2018-image-pushed.eventgrid.json'));
        expect(short!.ok && short!.event.type).toBe('Microsoft.ContainerRegistry.ImagePushed');
        const full = load('azure-docs/docs-2018-image-pushed.eventgrid.json')[0];
        full.eventType = 'Microsoft.ContainerRegistry.ImagePushed';
        expect(eventContentHash(accepted(full))).toBe(eventContentHash(short!.ok ? short!.event : eventGrid));
    });

    it('ignores what does not matter: id, times, actor, request', () => {
        const raw = load('rest-api-specs/event-grid-schema/image_pushed.json');
        raw.id = 'another-id';
        raw.eventTime = '2030-01-01T00:00:00Z';
        raw.data.timestamp = '2030-01-01T00:00:00Z';
        raw.data.request = { ...raw.data.request, useragent: 'curl/8', id: 'r-2' };
        raw.data.actor = { name: 'someone-else' };
        expect(eventContentHash(accepted(raw))).toBe(eventContentHash(eventGrid));
    });

    it.each([
        ['type', { type: 'Microsoft.ContainerRegistry.ImageDeleted' }],
        ['repository', { repository: 'live/nginx' }],
        ['digest', { digest: 'sha256:' + '0'.repeat(64) }],
        ['tag', { tag: 'prod' }],
        ['tag removed', { tag: null }],
    ] as const)('a different %s is different content', (_name, change) => {
        expect(eventContentHash({ ...eventGrid, ...change })).not.toBe(eventContentHash(eventGrid));
    });

    it('values cannot collide by moving a separator between fields', () => {
        const a = { type: 'Microsoft.ContainerRegistry.ImagePushed' as const, repository: 'a/b', digest: null, tag: 'c' };
        const b = { ...a, repository: 'a', tag: 'b/c' };
        expect(eventContentHash(a)).not.toBe(eventContentHash(b));
        expect(eventContentHash({ ...a, tag: null })).not.toBe(eventContentHash({ ...a, tag: 'null' }));
    });

    it('rejected events (partial, nulls) hash too, so a reused id of a rejected event is noticed', () => {
        const rejected = normaliseEvent({ ...load('rest-api-specs/event-grid-schema/image_pushed.json'), data: { action: 'push', target: { repository: 'BAD NAME' } } });
        expect(rejected.ok).toBe(false);
        if (rejected.ok) return;
        expect(eventContentHash(rejected.partial)).toMatch(/^v1:[0-9a-f]{64}$/);
    });
});

describe('compareEventContent', () => {
    const event = { type: 'Microsoft.ContainerRegistry.ImagePushed' as const, repository: 'quarantine/app', digest: 'sha256:' + 'b'.repeat(64), tag: '1.0' };

    it('same content is a duplicate; a reused id with another repository or digest is different content; no stored hash is unknown', () => {
        const stored = eventContentHash(event);
        expect(compareEventContent(stored, { ...event })).toBe('duplicate');
        expect(compareEventContent(stored, { ...event, repository: 'live/app' })).toBe('different-content');
        expect(compareEventContent(stored, { ...event, digest: 'sha256:' + 'c'.repeat(64) })).toBe('different-content');
        expect(compareEventContent(null, event)).toBe('unknown');
        expect(compareEventContent(undefined, event)).toBe('unknown');
        expect(compareEventContent(`v0:${stored.slice(3)}`, event)).toBe('unknown');
    });
});
