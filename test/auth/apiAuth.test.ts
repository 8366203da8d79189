import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiAuth, describeCaller } from '../../shared/auth/apiAuth';
import { apiAuthConfig } from '../../shared/auth/apiAuthConfig';
import { startLocalEntra, type LocalEntra } from '../support/localEntra';

// The guard against a JWKS endpoint on loopback with a key made at test time (the network
// boundary to Microsoft Entra ID); the tokens are real RS256 JWTs.

const CLIENT_ID = '11111111-1111-1111-1111-111111111111';
const AUDIENCE = `api://${CLIENT_ID}`;

let entra: LocalEntra;
let auth: ApiAuth;
const logged: string[] = [];

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const request = (authorization?: string) => ({ headers: new Headers(authorization ? { authorization } : {}) });
const check = async (token: string) => auth.requireCaller(request(`Bearer ${token}`));

beforeAll(async () => {
    entra = await startLocalEntra();
    auth = new ApiAuth(apiAuthConfig({ apiAuthTenantId: entra.tenantId, apiAuthAudience: AUDIENCE }, entra.authorityHost), (l) => logged.push(l));
});

afterAll(async () => {
    await entra?.close();
});

describe('ApiAuth.requireCaller with Entra auth configured', () => {
    it('accepts a v2 token for the audience and names the caller (oid, upn, appid)', async () => {
        const result = await check(await entra.token({ aud: AUDIENCE }));
        expect(result).toEqual({ ok: true, caller: { kind: 'entra', oid: '00000000-0000-0000-0000-0000000000a1', tid: entra.tenantId, upn: 'ada@contoso.com', appid: '22222222-2222-2222-2222-222222222222' } });
        expect(describeCaller((result as { caller: Parameters<typeof describeCaller>[0] }).caller)).toBe(
            'entra oid=00000000-0000-0000-0000-0000000000a1 upn=ada@contoso.com appid=22222222-2222-2222-2222-222222222222',
        );
    });

    it('accepts a v1 token (sts.windows.net issuer, upn, appid) and a v2 token whose audience is the bare client id', async () => {
        const v1 = await check(await entra.token({ aud: AUDIENCE, iss: `https://sts.windows.net/${entra.tenantId}/`, upn: 'grace@contoso.com', appid: '33333333-3333-3333-3333-333333333333', preferred_username: undefined, azp: undefined }));
        expect(v1).toMatchObject({ ok: true, caller: { upn: 'grace@contoso.com', appid: '33333333-3333-3333-3333-333333333333' } });
        expect(await check(await entra.token({ aud: CLIENT_ID }))).toMatchObject({ ok: true });
    });

    it('accepts a managed identity (no upn): the app id names it', async () => {
        const result = await check(await entra.token({ aud: AUDIENCE, preferred_username: undefined, azp: undefined, appid: '44444444-4444-4444-4444-444444444444', oid: 'mi-oid' }));
        expect(result).toMatchObject({ ok: true, caller: { oid: 'mi-oid', appid: '44444444-4444-4444-4444-444444444444' } });
    });

    const refusals: Array<[string, () => Promise<string>, RegExp]> = [
        ['another audience', () => entra.token({ aud: 'api://someone-else' }), /aud/],
        ['another tenant (issuer)', () => entra.token({ aud: AUDIENCE, iss: 'https://login.microsoftonline.com/99999999-9999-9999-9999-999999999999/v2.0' }), /iss/],
        ['another tenant (tid under the right issuer)', () => entra.token({ aud: AUDIENCE, tid: '99999999-9999-9999-9999-999999999999' }), /tenant/],
        ['an expired token', () => entra.token({ aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) - 3600 }), /exp/],
        ['a token not valid yet', () => entra.token({ aud: AUDIENCE, nbf: Math.floor(Date.now() / 1000) + 3600 }), /nbf/],
        ['a signature by a key the tenant does not publish', () => entra.token({ aud: AUDIENCE }, { unpublishedKey: true }), /signature/],
        ['a token without oid', () => entra.token({ aud: AUDIENCE, oid: undefined }), /oid/],
        ['an unsigned token (alg none)', async () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ aud: AUDIENCE, iss: `https://login.microsoftonline.com/${entra.tenantId}/v2.0`, tid: entra.tenantId, oid: 'x', exp: 9999999999 })}.`, /alg|JWS/],
    ];
    for (const [what, token, reason] of refusals) {
        it(`refuses ${what} with 401 and logs why`, async () => {
            logged.length = 0;
            const result = await check(await token());
            expect(result.ok).toBe(false);
            const response = (result as { response: { status: number; headers: Record<string, string>; jsonBody: { reason: string } } }).response;
            expect(response.status).toBe(401);
            expect(response.headers['WWW-Authenticate']).toMatch(/^Bearer realm="acr-guard", error="invalid_token"/);
            expect(response.jsonBody.reason).toMatch(reason);
            expect(logged).toEqual([expect.stringMatching(/^\[auth\] request refused: /)]);
        });
    }

    it('refuses a tampered token (payload changed after signing)', async () => {
        const [h, , s] = (await entra.token({ aud: AUDIENCE })).split('.');
        const forged = Buffer.from(JSON.stringify({ aud: AUDIENCE, iss: `https://login.microsoftonline.com/${entra.tenantId}/v2.0`, tid: entra.tenantId, oid: 'mallory', exp: 9999999999 })).toString('base64url');
        expect(await check(`${h}.${forged}.${s}`)).toMatchObject({ ok: false, response: { status: 401 } });
    });

    it('refuses a request without a bearer token (401 with a bare challenge) or with another scheme', async () => {
        expect(await auth.requireCaller(request())).toMatchObject({ ok: false, response: { status: 401, headers: { 'WWW-Authenticate': 'Bearer realm="acr-guard"' } } });
        expect(await auth.requireCaller(request('Basic YWRhOnNlY3JldA=='))).toMatchObject({ ok: false, response: { status: 401, jsonBody: { reason: 'the Authorization header is not a bearer token' } } });
        expect(await auth.requireCaller(request('Bearer not-a-jwt'))).toMatchObject({ ok: false, response: { status: 401 } });
    });

    it('fails closed with 503 when the tenant keys cannot be read', async () => {
        const down = await startLocalEntra();
        down.breakKeys();
        try {
            const guard = new ApiAuth(apiAuthConfig({ apiAuthTenantId: down.tenantId, apiAuthAudience: AUDIENCE }, down.authorityHost), () => undefined);
            const result = await guard.requireCaller(request(`Bearer ${await down.token({ aud: AUDIENCE })}`));
            expect(result).toMatchObject({ ok: false, response: { status: 503, jsonBody: { error: 'auth-unavailable' } } });
            expect(down.fetches()).toBeGreaterThan(0);
        } finally {
            await down.close();
        }
    });
});

describe('apiAuthConfig', () => {
    it('is off when neither setting is set: the function key alone, the caller unknown', async () => {
        const off = new ApiAuth(apiAuthConfig({ apiAuthTenantId: undefined, apiAuthAudience: undefined }));
        expect(off.config).toEqual({ enabled: false });
        expect(await off.requireCaller(request())).toEqual({ ok: true, caller: { kind: 'function-key' } });
        expect(describeCaller({ kind: 'function-key' })).toBe('function-key (Entra auth off)');
    });

    it('refuses to start with only one of tenant and audience (that would fail open)', () => {
        expect(() => apiAuthConfig({ apiAuthTenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47', apiAuthAudience: undefined })).toThrow(/must be set together/);
        expect(() => apiAuthConfig({ apiAuthTenantId: undefined, apiAuthAudience: AUDIENCE })).toThrow(/must be set together/);
    });

    it('accepts v1 and v2 issuers of the tenant and fetches keys from the public cloud by default', () => {
        expect(apiAuthConfig({ apiAuthTenantId: 't', apiAuthAudience: AUDIENCE })).toEqual({
            enabled: true,
            tenantId: 't',
            audiences: [AUDIENCE, CLIENT_ID],
            issuers: ['https://login.microsoftonline.com/t/v2.0', 'https://sts.windows.net/t/'],
            jwksUri: 'https://login.microsoftonline.com/t/discovery/v2.0/keys',
        });
    });
});
