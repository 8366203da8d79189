import type { HttpResponseInit } from '@azure/functions';
import type { ApiAuthConfig } from './apiAuthConfig';
import { describeCaller, type Caller } from './caller';
import { EntraTokenValidator, TokenRejected } from './entraTokenValidator';

/** What an HTTP function needs of a request: its headers. */
export interface RequestWithHeaders {
    readonly headers: { get(name: string): string | null };
}

export type CallerCheck = { readonly ok: true; readonly caller: Caller } | { readonly ok: false; readonly response: HttpResponseInit };

/**
 * The guard of the app's HTTP endpoints (shared/auth/README.md). With Entra auth configured, a
 * request needs `Authorization: Bearer <access token>` that EntraTokenValidator accepts; anything
 * else is answered 401 (or 503 when the tenant's keys cannot be read) and the reason is logged. With
 * Entra auth off (local use), the function key the host checked is all there is.
 */
export class ApiAuth {
    private readonly validator: EntraTokenValidator | undefined;

    constructor(
        readonly config: ApiAuthConfig,
        private readonly log: (line: string) => void = (line) => console.warn(line),
    ) {
        this.validator = config.enabled ? new EntraTokenValidator(config) : undefined;
    }

    async requireCaller(request: RequestWithHeaders): Promise<CallerCheck> {
        if (!this.validator) return { ok: true, caller: { kind: 'function-key' } };
        const header = request.headers.get('authorization');
        const token = header ? /^Bearer ([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*)$/i.exec(header.trim())?.[1] : undefined;
        if (!token) {
            const reason = header ? 'the Authorization header is not a bearer token' : 'no Authorization header';
            this.log(`[auth] request refused: ${reason}`);
            // RFC 6750 §3.1: no error code when the request carried no credentials at all.
            return { ok: false, response: unauthorized(reason, header ? 'invalid_request' : undefined) };
        }
        try {
            const caller = await this.validator.validate(token);
            return { ok: true, caller };
        } catch (err) {
            if (!(err instanceof TokenRejected)) throw err;
            this.log(`[auth] request refused: ${err.message}`);
            if (err.code === 'unavailable') {
                return { ok: false, response: { status: 503, headers: { 'Retry-After': '30' }, jsonBody: { error: 'auth-unavailable', reason: 'the token could not be validated now; try again' } } };
            }
            return { ok: false, response: unauthorized(err.message, 'invalid_token') };
        }
    }
}

function unauthorized(reason: string, error: 'invalid_request' | 'invalid_token' | undefined): HttpResponseInit {
    const challenge = error ? `Bearer realm="acr-guard", error="${error}", error_description="${reason.replace(/["\\\r\n]/g, ' ').slice(0, 200)}"` : 'Bearer realm="acr-guard"';
    return { status: 401, headers: { 'WWW-Authenticate': challenge }, jsonBody: { error: 'unauthorized', reason } };
}

export { describeCaller };
export type { Caller };
