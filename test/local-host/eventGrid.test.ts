import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureHost, type FixtureHost } from './fixtureHost';

const samples = path.resolve(__dirname, '../../../shared/fixtures/eventgrid');
const readSample = (file: string): string => fs.readFileSync(path.join(samples, file), 'utf8');

describe('local host: Event Grid webhook', () => {
    let fixture: FixtureHost;
    let webhook: string;
    beforeAll(async () => {
        fixture = await startFixtureHost();
        webhook = `${fixture.host.baseUrl}/runtime/webhooks/eventgrid?functionName=eventGridSink`;
    });
    afterAll(async () => {
        await fixture.host.stop();
    });

    const post = (body: string, headers: Record<string, string> = { 'aeg-event-type': 'Notification' }, url = webhook) =>
        fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

    it('completes the SubscriptionValidation handshake with the shared sample', async () => {
        const res = await post(readSample('subscription-validation/subscription-validation-event.json'), { 'aeg-event-type': 'SubscriptionValidation' });
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual(JSON.parse(readSample('subscription-validation/subscription-validation-response.json')));
        expect(fixture.seen.events).toHaveLength(0);
    });

    it('answers the CloudEvents OPTIONS abuse-protection handshake', async () => {
        const res = await fetch(webhook, {
            method: 'OPTIONS',
            headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net', 'WebHook-Request-Rate': '120' },
        });
        expect(res.status).toBe(200);
        expect(res.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
        expect(res.headers.get('webhook-allowed-rate')).toBe('*');
    });

    it('delivers every event of a Notification array as its own invocation', async () => {
        const sample = JSON.parse(readSample('azure-docs/docs-2018-image-pushed.eventgrid.json')) as Record<string, unknown>[];
        const base = sample[0]!;
        const batch = [base, { ...base, id: 'second-event' }];
        const before = fixture.seen.events.length;
        const res = await post(JSON.stringify(batch));
        expect(res.status).toBe(202);
        const delivered = fixture.seen.events.slice(before) as { id: string; eventType: string }[];
        expect(delivered.map((e) => e.id).sort()).toEqual([String(base.id), 'second-event'].sort());
        expect(delivered[0]?.eventType).toBe(base.eventType);
        const invocations = new Set(fixture.host.logs.filter((l) => l.functionName === 'eventGridSink' && l.category === 'user').map((l) => l.invocationId));
        expect(invocations.size).toBeGreaterThanOrEqual(2);
    });

    it('delivers CloudEvents 1.0 posted with the cloudevents content type', async () => {
        const event = JSON.parse(readSample('azure-docs/docs-2021-image-pushed.cloudevents.json')) as unknown;
        const events = Array.isArray(event) ? event : [event];
        const before = fixture.seen.events.length;
        const res = await post(JSON.stringify(events), { 'content-type': 'application/cloudevents-batch+json; charset=utf-8' });
        expect(res.status).toBe(202);
        const delivered = fixture.seen.events.slice(before) as { specversion?: string }[];
        expect(delivered).toHaveLength(events.length);
        expect(delivered[0]?.specversion).toBe('1.0');
    });

    it('answers 500 when the function throws, so Event Grid retries', async () => {
        const res = await post(JSON.stringify([{ id: 'bad-1', subject: 'fail', eventType: 'x', data: {}, dataVersion: '1', eventTime: new Date().toISOString() }]));
        expect(res.status).toBe(500);
        expect(await res.text()).toContain('refusing event bad-1');
    });

    it('answers 400 to a body that is not JSON, and 404 to an unknown function', async () => {
        expect((await post('{"not json')).status).toBe(400);
        const unknown = await post('[]', undefined, `${fixture.host.baseUrl}/runtime/webhooks/eventgrid?functionName=nope`);
        expect(unknown.status).toBe(404);
    });
});

describe('local host: Event Grid system key', () => {
    it('requires the configured eventgrid_extension key', async () => {
        const fixture = await startFixtureHost({ eventGridSystemKey: 'eg-key' });
        try {
            const url = `${fixture.host.baseUrl}/runtime/webhooks/eventgrid?functionName=eventGridSink`;
            const body = readSample('subscription-validation/subscription-validation-event.json');
            const headers = { 'aeg-event-type': 'SubscriptionValidation' };
            expect((await fetch(url, { method: 'POST', body, headers })).status).toBe(401);
            expect((await fetch(`${url}&code=eg-key`, { method: 'POST', body, headers })).status).toBe(200);
        } finally {
            await fixture.host.stop();
        }
    });
});
