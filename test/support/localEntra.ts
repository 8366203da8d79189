import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Microsoft Entra ID at the network boundary: a JWKS endpoint on loopback
 * (`/<tenant>/discovery/v2.0/keys`, as login.microsoftonline.com serves it) with an RS256 key made
 * at test time, and a token minter signing with it (or with a key the endpoint does not publish).
 */
export interface LocalEntra {
    /** http://127.0.0.1:PORT: pass as AzureAccess.entraAuthorityHost or apiAuthConfig's authorityHost. */
    readonly authorityHost: string;
    readonly tenantId: string;
    /** An access token: v2 claims for this tenant, overridable; `unpublishedKey` signs with a key not in the JWKS. */
    token(claims?: Record<string, unknown>, options?: { unpublishedKey?: boolean }): Promise<string>;
    /** How many times the keys were fetched. */
    readonly fetches: () => number;
    /** Answer the key endpoint with 500 from now on (the tenant's keys cannot be read). */
    breakKeys(): void;
    close(): Promise<void>;
}

type Jose = typeof import('jose', { with: { 'resolution-mode': 'import' } });

export async function startLocalEntra(tenantId = '72f988bf-86f1-41af-91ab-2d7cd011db47'): Promise<LocalEntra> {
    const jose: Jose = await import('jose');
    const published = await jose.generateKeyPair('RS256', { extractable: true });
    const unpublished = await jose.generateKeyPair('RS256', { extractable: true });
    const jwk = { ...(await jose.exportJWK(published.publicKey)), kid: 'test-key-1', use: 'sig', alg: 'RS256' };
    let fetches = 0;
    let broken = false;
    const server: Server = createServer((req, res) => {
        if (req.url === `/${tenantId}/discovery/v2.0/keys` && req.method === 'GET') {
            fetches += 1;
            if (broken) {
                res.writeHead(500).end();
                return;
            }
            res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
            return;
        }
        res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
        authorityHost: `http://127.0.0.1:${port}`,
        tenantId,
        fetches: () => fetches,
        breakKeys: () => {
            broken = true;
        },
        async token(claims = {}, options = {}) {
            const now = Math.floor(Date.now() / 1000);
            const body = {
                iss: `https://login.microsoftonline.com/${tenantId}/v2.0`,
                tid: tenantId,
                oid: '00000000-0000-0000-0000-0000000000a1',
                preferred_username: 'ada@contoso.com',
                azp: '22222222-2222-2222-2222-222222222222',
                iat: now,
                nbf: now,
                exp: now + 3600,
                ...claims,
            };
            const key = options.unpublishedKey ? unpublished.privateKey : published.privateKey;
            return new jose.SignJWT(body).setProtectedHeader({ alg: 'RS256', kid: 'test-key-1', typ: 'JWT' }).sign(key);
        },
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
}
