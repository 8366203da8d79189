import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureHost, type FixtureHost } from './fixtureHost';

describe('local host: HTTP triggers', () => {
    let fixture: FixtureHost;
    beforeAll(async () => {
        fixture = await startFixtureHost({ functionKey: 'test-function-key' });
    });
    afterAll(async () => {
        await fixture.host.stop();
    });

    it('routes to the function with route params, query, body and returns its response', async () => {
        const res = await fetch(`${fixture.host.baseUrl}/api/echo/alice?q=1`, { method: 'POST', body: 'hello' });
        expect(res.status).toBe(201);
        expect(res.headers.get('x-echo')).toBe('yes');
        expect(res.headers.get('content-type')).toMatch(/application\/json/);
        expect(await res.json()).toEqual({ name: 'alice', method: 'POST', q: '1', body: 'hello' });
        const log = fixture.host.logs.find((l) => l.category === 'user' && l.functionName === 'httpEcho');
        expect(log?.message).toBe('echo for alice');
        expect(log?.invocationId).toMatch(/[0-9a-f-]{36}/);
    });

    it('runs pre- and postInvocation hooks around the invocation', async () => {
        await fetch(`${fixture.host.baseUrl}/api/echo/bob`);
        expect(fixture.seen.hooks).toEqual(expect.arrayContaining(['appStart', 'preInvocation:httpEcho', 'postInvocation:httpEcho']));
    });

    it('answers 404 for a method the function does not accept and for unknown routes', async () => {
        expect((await fetch(`${fixture.host.baseUrl}/api/echo/alice`, { method: 'DELETE' })).status).toBe(404);
        expect((await fetch(`${fixture.host.baseUrl}/api/nothing-here`)).status).toBe(404);
    });

    it('answers 500 when the function throws, and logs the failure', async () => {
        const res = await fetch(`${fixture.host.baseUrl}/api/echo/boom`);
        expect(res.status).toBe(500);
        expect(fixture.host.logs.some((l) => l.level === 'error' && l.functionName === 'httpEcho' && l.message.includes('Error: boom'))).toBe(true);
    });

    it('requires the function key for authLevel function', async () => {
        const url = `${fixture.host.baseUrl}/api/secret`;
        expect((await fetch(url)).status).toBe(401);
        expect((await fetch(`${url}?code=wrong`)).status).toBe(401);
        const withQuery = await fetch(`${url}?code=test-function-key`);
        expect(withQuery.status).toBe(200);
        expect(await withQuery.text()).toBe('secret');
        const withHeader = await fetch(url, { headers: { 'x-functions-key': fixture.host.functionKey } });
        expect(withHeader.status).toBe(200);
    });

    it('lists the registrations with their trigger bindings', () => {
        const byName = Object.fromEntries(fixture.host.functions.map((f) => [f.name, f]));
        expect(byName.httpSecret?.trigger).toMatchObject({ type: 'httpTrigger', route: 'secret', authLevel: 'function', methods: ['GET'] });
        expect(byName.queueSink?.trigger).toMatchObject({ type: 'queueTrigger', queueName: '%FIXTURE_QUEUE%', connection: 'FIXTURE_STORAGE' });
        expect(byName.timerTick?.trigger).toMatchObject({ type: 'timerTrigger', schedule: '0 0 0 1 1 *' });
        expect(byName.eventGridSink?.triggerType).toBe('eventGridTrigger');
    });
});
