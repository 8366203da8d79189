// The host module first: it provides @azure/functions-core before the fixture module registers.
import '../../local-host';
import { httpEcho } from '../fixtures/local-host-app/httpEcho';
import { expect, it } from 'vitest';
import { startFixtureHost } from './fixtureHost';

it('serves a function whose module the test imported (for its handler) before starting the host', async () => {
    expect(typeof httpEcho).toBe('function');
    const { host } = await startFixtureHost();
    try {
        expect(host.functions.map((f) => f.name)).toContain('httpEcho');
        expect((await fetch(`${host.baseUrl}/api/echo/x`)).status).toBe(201);
    } finally {
        await host.stop();
    }
});
