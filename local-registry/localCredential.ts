import type { AccessToken, TokenCredential } from '@azure/core-auth';

/**
 * The credential an app uses against the local registry: the registry accepts any bearer token
 * (it is a local stand-in, not a security boundary), so this hands out a fixed one, valid for an
 * hour at a time, and never reaches for Entra ID. Only for the local registry's endpoints.
 */
export class LocalRegistryCredential implements TokenCredential {
    async getToken(): Promise<AccessToken> {
        return { token: 'local-registry', expiresOnTimestamp: Date.now() + 3600_000 };
    }
}
