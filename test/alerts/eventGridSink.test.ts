import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { alertSettings, DIGEST_A, harness, staticTokenCredential, uniqueTableName } from './helpers/alertHarness';
import { startRecordingServer, type RecordingServer } from './helpers/recordingServer';
import { createSelfSignedCertificate } from '../acr-server/selfSignedCertificate';

/**
 * The real EventGridPublisherClient publishing to a local HTTPS server that stands in for the
 * custom topic. The SDK refuses bearer tokens over http ("Bearer token authentication is not
 * permitted for non-TLS protected (non-https) URLs"), so the stand-in speaks TLS with a
 * self-signed certificate that only this client trusts (tlsOptions.ca in its options).
 */
let topic: RecordingServer;
let ca: string;

beforeAll(async () => {
    const tls = createSelfSignedCertificate();
    ca = tls.cert;
    topic = await startRecordingServer(tls);
});
afterAll(async () => {
    await topic.close();
});
beforeEach(() => {
    topic.requests.length = 0;
    topic.fallback = { status: 200 };
});

async function topicHarness() {
    const credential = staticTokenCredential('eg-token');
    const h = await harness(alertSettings({ alertTopicEndpoint: `${topic.origin}/api/events` }), uniqueTableName(), {
        azure: { credential, clientOptions: { tlsOptions: { ca } } },
    });
    return { ...h, credential };
}

const bypass = {
    kind: 'quarantine-bypass',
    detectedBy: 'event',
    subject: { registry: 'contoso.azurecr.io', repository: 'live/app', tag: '1.0', digest: DIGEST_A },
    details: { actor: 'ci-bot@contoso.com', userAgent: 'docker/24.0.7', requestHost: 'contoso.azurecr.io', time: '2025-05-01T10:00:00.000Z' },
    observedAt: new Date('2025-05-01T10:00:02.000Z'),
} as const;

describe('Event Grid sink', () => {
    it('publishes exactly one CloudEvent 1.0 per alert through the SDK, with a bearer token and id = alertId', async () => {
        const h = await topicHarness();
        const { alert } = await h.service.raise(bypass);
        await h.service.raise(bypass);

        expect(alert.deliveries.eventgrid).toMatchObject({ status: 'delivered', attempts: 1 });
        expect(topic.requests).toHaveLength(1);
        const request = topic.requests[0]!;
        expect(request.method).toBe('POST');
        expect(request.url).toBe('/api/events?api-version=2018-01-01');
        expect(request.headers.authorization).toBe('Bearer eg-token');
        expect(request.headers['content-type']).toBe('application/cloudevents-batch+json; charset=utf-8');
        expect(h.credential.scopes).toEqual(['https://eventgrid.azure.net/.default']);
        expect(JSON.parse(request.body)).toEqual([
            {
                specversion: '1.0',
                type: 'AcrGuard.Alert.QuarantineBypass',
                source: '/acr-guard/contoso.azurecr.io',
                id: alert.alertId,
                time: '2025-05-01T10:00:02.000Z',
                subject: `live/app@${DIGEST_A}`,
                datacontenttype: 'application/json',
                data: {
                    alertId: alert.alertId,
                    kind: 'quarantine-bypass',
                    severity: 'critical',
                    title: alert.title,
                    message: alert.message,
                    subject: { registry: 'contoso.azurecr.io', repository: 'live/app', tag: '1.0', digest: DIGEST_A },
                    details: {
                        actor: 'ci-bot@contoso.com',
                        userAgent: 'docker/24.0.7',
                        requestHost: 'contoso.azurecr.io',
                        time: '2025-05-01T10:00:00.000Z',
                        tags: ['1.0'],
                    },
                    detectedBy: ['event'],
                    firstSeen: '2025-05-01T10:00:02.000Z',
                    dedupKey: `quarantine-bypass|contoso.azurecr.io|live/app|${DIGEST_A}`,
                },
            },
        ]);
    });

    it('retries a throttled topic (503 with Retry-After) and records attempts', async () => {
        topic.script({ status: 503, headers: { 'retry-after': '0' }, body: '{"error":{"code":"ServiceUnavailable","message":"busy"}}' });
        const h = await topicHarness();
        const { alert } = await h.service.raise(bypass);
        expect(alert.deliveries.eventgrid).toMatchObject({ status: 'delivered', attempts: 2, lastError: expect.stringContaining('HTTP 503') });
        expect(topic.requests).toHaveLength(2);
        expect(topic.requests[0]!.body).toBe(topic.requests[1]!.body);
    });

    it('does not hammer a topic that refuses the identity (403) and keeps the alert undelivered', async () => {
        topic.fallback = { status: 403, body: '{"error":{"code":"Unauthorized","message":"no role"}}' };
        const h = await topicHarness();
        const { alert } = await h.service.raise(bypass);
        expect(alert.deliveries.eventgrid).toMatchObject({ status: 'undelivered', attempts: 1, lastError: expect.stringContaining('HTTP 403') });
        expect(alert.deliveries.log?.status).toBe('delivered');
        expect(topic.requests).toHaveLength(1);
        expect((await h.service.listUndelivered()).map((a) => a.alertId)).toEqual([alert.alertId]);
    });
});
