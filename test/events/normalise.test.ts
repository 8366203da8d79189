import { describe, expect, it } from 'vitest';
import { normaliseEvent, normaliseEvents, registryFromTopic } from '../../shared/events/normalise';
import { parseTimestamp } from '../../shared/events/timestamp';

const DIGEST = 'sha256:' + 'b'.repeat(64);

/** A minimal well-formed ImagePushed in the Event Grid schema (our own fixture). */
function push(overrides: { repository?: unknown; digest?: unknown; tag?: unknown; eventType?: string; data?: unknown } = {}) {
    return {
        id: 'evt-1',
        topic: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/contoso',
        subject: 'quarantine/app:1.0',
        eventType: overrides.eventType ?? 'Microsoft.ContainerRegistry.ImagePushed',
        eventTime: '2024-05-01T10:00:00.1234567Z',
        dataVersion: '2.0',
        metadataVersion: '1',
        data: overrides.data ?? {
            id: 'd-1',
            timestamp: '2024-05-01T10:00:00.000000001+02:00',
            action: 'push',
            target: {
                mediaType: 'application/vnd.oci.image.manifest.v1+json',
                digest: 'digest' in overrides ? overrides.digest : DIGEST,
                repository: 'repository' in overrides ? overrides.repository : 'quarantine/app',
                tag: 'tag' in overrides ? overrides.tag : '1.0',
            },
        },
    };
}

describe('normaliseEvent', () => {
    it('reads data delivered as a JSON string', () => {
        const event = push();
        const outcome = normaliseEvent({ ...event, data: JSON.stringify(event.data) });
        expect(outcome.ok && outcome.event).toMatchObject({ repository: 'quarantine/app', digest: DIGEST, tag: '1.0', registry: 'contoso.azurecr.io' });
        expect(outcome.ok && outcome.event.time).toBe('2024-05-01T08:00:00.000Z');
    });

    it('reads a whole event delivered as a JSON string', () => {
        const outcome = normaliseEvent(JSON.stringify(push()));
        expect(outcome.ok).toBe(true);
    });

    it('rejects malformed JSON with the parser message', () => {
        const outcome = normaliseEvent('{"id": "x", "eventType": ');
        expect(outcome.ok).toBe(false);
        expect(!outcome.ok && outcome.reason).toMatch(/^malformed JSON: /);
        const data = normaliseEvent({ ...push(), data: '{not json' });
        expect(!data.ok && data.reason).toMatch(/^data is a string but not JSON/);
    });

    it('rejects unknown event types and events from other services', () => {
        const storage = normaliseEvent(push({ eventType: 'Microsoft.Storage.BlobCreated' }));
        expect(!storage.ok && storage.reason).toBe('unknown event type "Microsoft.Storage.BlobCreated": not an ACR registry event');
        const pulled = normaliseEvent(push({ eventType: 'Microsoft.ContainerRegistry.ImagePulled' }));
        expect(pulled.ok).toBe(false);
        expect(normaliseEvent(42).ok).toBe(false);
        expect(!normaliseEvent([push()]).ok).toBe(true);
    });

    it.each([
        ['quarantine/app;rm -rf /', /not a valid OCI repository name/],
        ['quarantine/app\n  - cmd: evil', /not a valid OCI repository name/],
        ['quarantine/app" | where 1==1', /not a valid OCI repository name/],
        ['../etc/passwd', /not a valid OCI repository name/],
        ['', /repository is empty/],
    ])('rejects the hostile repository %j', (repository, reason) => {
        const outcome = normaliseEvent(push({ repository }));
        expect(outcome.ok).toBe(false);
        expect(!outcome.ok && outcome.reason).toMatch(/^ImagePushed with an invalid data\.target\.repository: /);
        expect(!outcome.ok && outcome.reason).toMatch(reason);
    });

    it('rejects a push without repository or a valid digest, and a hostile tag', () => {
        expect(normaliseEvent(push({ repository: undefined }))).toMatchObject({ ok: false, reason: 'ImagePushed without data.target.repository: rejected, nothing is guessed' });
        expect(normaliseEvent(push({ digest: undefined }))).toMatchObject({ ok: false, reason: 'ImagePushed without data.target.digest: rejected, nothing is guessed' });
        expect(normaliseEvent(push({ digest: 'sha256:abc' }))).toMatchObject({ ok: false, reason: expect.stringMatching(/invalid data\.target\.digest/) });
        expect(normaliseEvent(push({ tag: '$(reboot)' }))).toMatchObject({ ok: false, reason: expect.stringMatching(/invalid data\.target\.tag/) });
        expect(normaliseEvent(push({ data: { action: 'push' } }))).toMatchObject({ ok: false, reason: 'ImagePushed without data.target: rejected, nothing is guessed' });
        expect(normaliseEvent(push({ repository: 7 }))).toMatchObject({ ok: false, reason: expect.stringMatching(/^data does not match the ACR event data: target\.repository/) });
    });

    it('accepts a push by digest without a tag', () => {
        const outcome = normaliseEvent(push({ tag: undefined }));
        expect(outcome.ok && outcome.event.tag).toBeNull();
    });

    it('rejects unusable event ids and foreign CloudEvents spec versions', () => {
        expect(normaliseEvent({ ...push(), id: '' }).ok).toBe(false);
        expect(normaliseEvent({ ...push(), id: 'a\nb' }).ok).toBe(false);
        const cloudEvent = { id: 'c-1', source: 'x', type: 'Microsoft.ContainerRegistry.ImagePushed', specversion: '0.3', data: push().data };
        expect(normaliseEvent(cloudEvent)).toMatchObject({ ok: false, reason: 'unsupported CloudEvents specversion "0.3" (expected "1.0")' });
        expect(normaliseEvent({ ...cloudEvent, specversion: '1.0' }).ok).toBe(true);
    });

    it('reads a CloudEvent that a host mapped onto the EventGridEvent shape', () => {
        const mapped = { id: 'c-2', topic: 'src', subject: 's', eventType: 'Microsoft.ContainerRegistry.ImagePushed', eventTime: '2024-05-01T10:00:00Z', data: push().data, dataVersion: '', metadataVersion: '1', type: 'Microsoft.ContainerRegistry.ImagePushed' };
        const outcome = normaliseEvent(mapped);
        expect(outcome.ok && outcome.event).toMatchObject({ eventId: 'c-2', schema: 'eventgrid', repository: 'quarantine/app' });
    });

    it('takes the registry from request.host, else from the topic, else null', () => {
        const data = { ...push().data, request: { id: 'r', host: 'Contoso.AzureCR.io', method: 'PUT' } };
        expect(normaliseEvent(push({ data })).ok && (normaliseEvent(push({ data })) as { event: { registry: string } }).event.registry).toBe('contoso.azurecr.io');
        expect(registryFromTopic('/subscriptions/x/resourceGroups/y/providers/Microsoft.ContainerRegistry/registries/MyReg01')).toBe('myreg01.azurecr.io');
        expect(registryFromTopic('/subscriptions/{id}/providers/Microsoft.ContainerRegistry/registries/{name}')).toBeNull();
        expect(registryFromTopic(undefined)).toBeNull();
    });

    it('normalises one event or an array', () => {
        expect(normaliseEvents(push())).toHaveLength(1);
        expect(normaliseEvents([push(), { ...push(), id: 'evt-2' }, 'garbage'])).toHaveLength(3);
    });
});

describe('parseTimestamp', () => {
    it.each([
        ['2021-09-08T06:37:45.4681009Z', '2021-09-08T06:37:45.468Z'],
        ['2018-04-25T21:39:47.276585742Z', '2018-04-25T21:39:47.276Z'],
        ['2019-03-12T22:42:08.3783775+00:00', '2019-03-12T22:42:08.378Z'],
        ['2019-03-12T15:42:08.3783775-07:00', '2019-03-12T22:42:08.378Z'],
        ['2024-01-01T00:00:00Z', '2024-01-01T00:00:00.000Z'],
    ])('reads %s', (value, expected) => {
        expect(parseTimestamp(value)).toBe(expected);
    });

    it.each(['019-03-12T22:42:08.7034064Z', '2021-02-30T00:00:00Z', '2021-13-01T00:00:00Z', '2021-09-08 06:37:45Z', '2021-09-08T06:37:45', 'yesterday'])(
        'refuses %s',
        (value) => {
            expect(parseTimestamp(value)).toBeNull();
        },
    );
});
