import { randomBytes } from 'node:crypto';

/**
 * ACR's data-plane token flow, as the recordings in ../shared/fixtures/acr-http/dataplane show it:
 * an unauthenticated (or under-scoped) call gets 401 + `WWW-Authenticate: Bearer realm,service,scope`
 * (plus `error="insufficient_scope"` when a token was sent but lacks the scope); the client exchanges
 * its AAD token at POST /oauth2/exchange for a refresh token (a 3-part JWT with a numeric `exp`,
 * which `@azure/container-registry` parses), then trades it at POST /oauth2/token for an access
 * token for that scope.
 */
export class DataPlaneTokens {
    private readonly refreshTokens = new Set<string>();
    private readonly accessTokens = new Map<string, Set<string>>();
    /** AAD tokens presented at /oauth2/exchange, so tests can assert what credential was used. */
    readonly exchangedAadTokens: string[] = [];

    constructor(private readonly service: string) {}

    exchange(form: URLSearchParams): { status: number; body: unknown } {
        const aad = form.get('access_token');
        if (form.get('grant_type') !== 'access_token' || !aad || form.get('service') !== this.service) {
            return { status: 400, body: acrErrors('UNSUPPORTED', 'grant_type=access_token, service and access_token are required') };
        }
        this.exchangedAadTokens.push(aad);
        const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
        const exp = Math.floor(Date.now() / 1000) + 3 * 3600;
        const token = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ exp, jti: randomBytes(8).toString('hex') })}.${randomBytes(16).toString('base64url')}`;
        this.refreshTokens.add(token);
        return { status: 200, body: { refresh_token: token } };
    }

    token(form: URLSearchParams): { status: number; body: unknown } {
        const refresh = form.get('refresh_token');
        const scope = form.get('scope');
        if (form.get('grant_type') !== 'refresh_token' || !refresh || !this.refreshTokens.has(refresh) || !scope) {
            return { status: 401, body: acrErrors('UNAUTHORIZED', 'invalid refresh token or scope') };
        }
        const token = randomBytes(24).toString('base64url');
        this.accessTokens.set(token, new Set(scope.split(' ').filter(Boolean)));
        return { status: 200, body: { access_token: token } };
    }

    /** GET /v2/: any valid access token passes; otherwise ACR's challenge without a scope. */
    challengeAny(authorization: string | undefined, realm: string): { headers: Record<string, string>; body: unknown } | null {
        const token = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
        if (token && this.accessTokens.has(token)) return null;
        return {
            headers: { 'WWW-Authenticate': `Bearer realm="${realm}",service="${this.service}"` },
            body: { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required, visit https://aka.ms/acr/authorization for more information.', detail: null }] },
        };
    }

    /** null when the request may proceed; otherwise the 401 challenge to send. */
    challenge(authorization: string | undefined, realm: string, required: RequiredScope): { headers: Record<string, string>; body: unknown } | null {
        const token = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
        const granted = token ? this.accessTokens.get(token) : undefined;
        if (granted && grants(granted, required)) return null;
        const scope = `${required.type}:${required.name}:${required.action}`;
        const insufficient = granted ? ',error="insufficient_scope"' : '';
        return {
            headers: { 'WWW-Authenticate': `Bearer realm="${realm}",service="${this.service}",scope="${scope}"${insufficient}` },
            body: {
                errors: [{
                    code: 'UNAUTHORIZED',
                    message: 'authentication required, visit https://aka.ms/acr/authorization for more information.',
                    detail: [{ Type: required.type, Name: required.name, Action: required.action }],
                }],
            },
        };
    }
}

export interface RequiredScope {
    readonly type: 'registry' | 'repository';
    readonly name: string;
    readonly action: string;
}

function grants(granted: Set<string>, required: RequiredScope): boolean {
    for (const scope of granted) {
        const last = scope.lastIndexOf(':');
        const first = scope.indexOf(':');
        if (first < 0 || last <= first) continue;
        const type = scope.slice(0, first);
        const name = scope.slice(first + 1, last);
        const actions = scope.slice(last + 1).split(',');
        if (type === required.type && name === required.name && (actions.includes(required.action) || actions.includes('*'))) return true;
    }
    return false;
}

export function acrErrors(code: string, message: string): unknown {
    return { errors: [{ code, message, detail: null }] };
}
