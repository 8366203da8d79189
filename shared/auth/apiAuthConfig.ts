import type { Settings } from '../config/settings';

/** Microsoft Entra ID's public cloud authority; sovereign clouds and tests pass their own. */
export const ENTRA_AUTHORITY_HOST = 'https://login.microsoftonline.com';

export type ApiAuthConfig =
    | { readonly enabled: false }
    | {
          readonly enabled: true;
          readonly tenantId: string;
          /** `aud` values accepted: the setting, plus the bare client id of `api://<client id>` (v2 tokens carry that). */
          readonly audiences: readonly string[];
          /** v2.0 tokens: `<authority>/<tenant>/v2.0`; v1.0 tokens (an app registration's default): `https://sts.windows.net/<tenant>/`. */
          readonly issuers: readonly string[];
          /** The tenant's signing keys (the same set signs v1 and v2 tokens). */
          readonly jwksUri: string;
      };

/**
 * Entra auth of the HTTP endpoints from ACR_GUARD_API_AUTH_TENANT_ID and ACR_GUARD_API_AUTH_AUDIENCE:
 * both set = on, both unset = off. One without the other is a configuration error (thrown at
 * start-up): silently running without auth because a setting is missing would fail open.
 *
 * `authorityHost` is where the keys are fetched from. The issuers stay Entra's public-cloud names:
 * tokens name them whatever host served the keys (infra/README.md, "HTTP endpoints behind Microsoft Entra ID").
 */
export function apiAuthConfig(settings: Pick<Settings, 'apiAuthTenantId' | 'apiAuthAudience'>, authorityHost: string = ENTRA_AUTHORITY_HOST): ApiAuthConfig {
    const { apiAuthTenantId: tenantId, apiAuthAudience: audience } = settings;
    if (!tenantId && !audience) return { enabled: false };
    if (!tenantId || !audience) {
        throw new Error(
            'ACR_GUARD_API_AUTH_TENANT_ID and ACR_GUARD_API_AUTH_AUDIENCE must be set together (both empty = Entra auth off); ' +
                `only ${tenantId ? 'the tenant' : 'the audience'} is set`,
        );
    }
    const clientId = /^api:\/\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i.exec(audience)?.[1];
    const host = authorityHost.replace(/\/+$/, '');
    return {
        enabled: true,
        tenantId,
        audiences: clientId ? [audience, clientId] : [audience],
        issuers: [`${ENTRA_AUTHORITY_HOST}/${tenantId}/v2.0`, `https://sts.windows.net/${tenantId}/`],
        jwksUri: `${host}/${tenantId}/discovery/v2.0/keys`,
    };
}
