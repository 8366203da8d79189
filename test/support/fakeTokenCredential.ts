import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';

/**
 * A TokenCredential for tests: the network boundary to Microsoft Entra ID, which cannot run here.
 * It hands out an opaque token per scope and records which scopes were asked for.
 */
export class FakeTokenCredential implements TokenCredential {
    readonly requestedScopes: string[] = [];

    constructor(private readonly token = 'fake-entra-token') {}

    getToken(scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
        const list = Array.isArray(scopes) ? scopes : [scopes];
        this.requestedScopes.push(...list);
        return Promise.resolve({ token: `${this.token}:${list.join(' ')}`, expiresOnTimestamp: Date.now() + 3600_000 });
    }
}
