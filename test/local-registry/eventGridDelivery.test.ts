import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { normaliseEvents } from '../../shared/events/normalise';
import { startLocalRegistry, type LocalRegistry } from '../../local-registry/localRegistry';
import { buildImage, pushImage } from './ociImage';
import { startWebhookReceiver } from './webhookReceiver';

/**
 * Each push and delete reaches the configured Event Grid webhook as ACR's system topic delivers
 * it: compared with the real samples in ../shared/fixtures/eventgrid (read in place) and read by
 * the app's own normaliser.
 */

const fixtures = resolve(__dirname, '../../../shared/fixtures/eventgrid/rest-api-specs/event-grid-schema');
const pushedSample = JSON.parse(readFileSync(resolve(fixtures, 'image_pushed.json'), 'utf8'));
const deletedSample = JSON.parse(readFileSync(resolve(fixtures, 'image_deleted.json'), 'utf8'));
const keys = (v: object) => Object.keys(v).sort();

let registry: LocalRegistry;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
const logged: string[] = [];

beforeAll(async () => {
    // The subscriber fails the first delivery: the event must still arrive, retried.
    receiver = await startWebhookReceiver(1);
    registry = await startLocalRegistry({
        azuriteConnectionString: inject('azuriteConnectionString'),
        httpPort: 0,
        loginServer: 'acrguardlocal.azurecr.io',
        webhookUrl: receiver.url,
        webhookRetryDelayMs: 10,
        actor: 'dev@contoso.com',
        log: (line) => logged.push(line),
    });
});

afterAll(async () => {
    await registry?.close();
    await receiver?.close();
});

describe('Event Grid delivery', () => {
    it('delivers ImagePushed with request.host, actor, user agent and the target, as ACR does, after a failed first attempt', async () => {
        const image = buildImage({ files: { 'event.txt': 'pushed' } });
        const pushed = await pushImage(registry.httpUrl!, 'quarantine/web', '1.0', image, { 'User-Agent': 'skopeo/1.9.3' });
        expect(pushed.status).toBe(201);
        await registry.notifier!.idle();

        expect(receiver.attempts()).toBe(2);
        expect(receiver.received).toHaveLength(1);
        const [{ headers, body }] = receiver.received as [{ headers: Record<string, unknown>; body: any }];
        expect(headers['aeg-event-type']).toBe('Notification');
        expect(headers['content-type']).toBe('application/json');
        expect(Array.isArray(body)).toBe(true);
        expect(body).toHaveLength(1);
        const event = body[0];
        expect(keys(event)).toEqual(keys(pushedSample));
        expect(event).toMatchObject({
            topic: registry.registryResourceId,
            subject: 'quarantine/web:1.0',
            eventType: 'Microsoft.ContainerRegistry.ImagePushed',
            dataVersion: '1.0',
            metadataVersion: '1',
        });
        expect(keys(event.data.target)).toEqual(keys(pushedSample.data.target));
        expect(event.data.target).toEqual({
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            size: image.manifest.bytes.length,
            digest: image.manifest.digest,
            length: image.manifest.bytes.length,
            repository: 'quarantine/web',
            tag: '1.0',
        });
        expect(event.data).toMatchObject({ action: 'push', location: 'westus', actor: { name: 'dev@contoso.com' } });
        expect(keys(event.data.request)).toEqual(expect.arrayContaining(keys(pushedSample.data.request)));
        expect(event.data.request).toMatchObject({ host: 'acrguardlocal.azurecr.io', method: 'PUT', useragent: 'skopeo/1.9.3' });

        // The app reads it as it reads ACR's own events.
        const [normalised] = normaliseEvents(body);
        expect(normalised?.ok).toBe(true);
        if (normalised?.ok) {
            expect(normalised.warnings).toEqual([]);
            expect(normalised.event).toMatchObject({
                type: 'Microsoft.ContainerRegistry.ImagePushed',
                registry: 'acrguardlocal.azurecr.io',
                repository: 'quarantine/web',
                tag: '1.0',
                digest: image.manifest.digest,
                actor: 'dev@contoso.com',
                userAgent: 'skopeo/1.9.3',
            });
        }
    });

    it('delivers ImageDeleted with the target fields of ACR\'s sample, and nothing for a tag-only delete', async () => {
        const image = buildImage({ files: { 'event.txt': 'deleted' } });
        await pushImage(registry.httpUrl!, 'quarantine/gone', 'x', image);
        await pushImage(registry.httpUrl!, 'quarantine/gone', 'y', image);
        await registry.notifier!.idle();
        const before = receiver.received.length;
        expect((await fetch(`${registry.httpUrl}/v2/quarantine/gone/manifests/y`, { method: 'DELETE' })).status).toBe(202);
        expect((await fetch(`${registry.httpUrl}/v2/quarantine/gone/manifests/${image.manifest.digest}`, { method: 'DELETE' })).status).toBe(202);
        await registry.notifier!.idle();

        const delivered = receiver.received.slice(before).map((r) => (r.body as any[])[0]);
        expect(delivered.map((e) => e.eventType)).toEqual(['Microsoft.ContainerRegistry.ImageDeleted']);
        const [deleted] = delivered;
        expect(keys(deleted.data.target)).toEqual(keys(deletedSample.data.target));
        expect(deleted.data.target).toEqual({ mediaType: image.manifest.mediaType, digest: image.manifest.digest, repository: 'quarantine/gone' });
        expect(deleted).toMatchObject({ subject: 'quarantine/gone', data: { action: 'delete', request: { method: 'DELETE', host: 'acrguardlocal.azurecr.io' } } });
        const [normalised] = normaliseEvents([deleted]);
        expect(normalised?.ok && normalised.event.type).toBe('Microsoft.ContainerRegistry.ImageDeleted');
    });

    it.each([
        [500, 3],
        [400, 1],
    ])('gives up on a subscriber that answers %i (after %i attempts: 5xx retried, 4xx not, as Event Grid) and logs the event id', async (status, attempts) => {
        const failing = await startWebhookReceiver(Number.MAX_SAFE_INTEGER, status);
        const lines: string[] = [];
        const other = await startLocalRegistry({
            azuriteConnectionString: inject('azuriteConnectionString'),
            httpPort: 0,
            webhookUrl: failing.url,
            webhookMaxRetries: 2,
            webhookRetryDelayMs: 1,
            log: (line) => lines.push(line),
        });
        try {
            await pushImage(other.httpUrl!, 'quarantine/lost', '1', buildImage({ files: { 'lost.txt': '1' } }));
            await other.notifier!.idle();
            expect(failing.attempts()).toBe(attempts);
            expect(other.notifier!.deliveries).toEqual([{ eventId: expect.any(String), eventType: 'Microsoft.ContainerRegistry.ImagePushed', status, delivered: false }]);
            expect(lines).toEqual([expect.stringMatching(new RegExp(`^local-registry: event ${other.notifier!.deliveries[0]!.eventId} \\(Microsoft\\.ContainerRegistry\\.ImagePushed\\) was not delivered .* HTTP ${status}`))]);
        } finally {
            await other.close();
            await failing.close();
        }
    });
});
