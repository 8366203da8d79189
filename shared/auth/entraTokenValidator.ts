import type { ApiAuthConfig } from './apiAuthConfig';
import type { Caller } from './caller';
import { AcrGuardError } from '../errors/acrGuardError';

/**
 * Validates Microsoft Entra access tokens with `jose` (signature against the tenant's JWKS, issuer,
 * audience, expiry and not-before), the maintained JOSE library with no dependencies of its own.
 * It is ESM-only: this CommonJS build loads it with `import()`, which every Node version supports
 * (no `require` of an ES module needed), once, on the first token.
 */

/** Why a token was not accepted. `unavailable` (the keys could not be fetched) is our side, retryable. */
export class TokenRejected extends AcrGuardError {
    declare readonly code: 'invalid-token' | 'unavailable';

    constructor(code: 'invalid-token' | 'unavailable', message: string, options?: { cause?: unknown }) {
        super(message, { code, retryable: code === 'unavailable', cause: options?.cause });
    }
}

/** Clock skew tolerated on exp/nbf: Microsoft.IdentityModel's default of five minutes. */
const CLOCK_TOLERANCE_SECONDS = 300;

type EnabledConfig = Extract<ApiAuthConfig, { enabled: true }>;
type Jose = typeof import('jose', { with: { 'resolution-mode': 'import' } });
type KeySet = ReturnType<Jose['createRemoteJWKSet']>;

export class EntraTokenValidator {
    private keys: Promise<{ jose: Jose; keySet: KeySet }> | undefined;

    constructor(private readonly config: EnabledConfig) {}

    /** The caller named by a valid token; throws TokenRejected otherwise. */
    async validate(token: string): Promise<Extract<Caller, { kind: 'entra' }>> {
        const { jose, keySet } = await this.keySet();
        let payload: Record<string, unknown>;
        try {
            ({ payload } = await jose.jwtVerify(token, keySet, {
                issuer: [...this.config.issuers],
                audience: [...this.config.audiences],
                // Entra signs access tokens with RS256; anything else (none, HS256 with a public key) is refused.
                algorithms: ['RS256'],
                requiredClaims: ['exp', 'iss', 'aud', 'oid', 'tid'],
                clockTolerance: CLOCK_TOLERANCE_SECONDS,
            }));
        } catch (err) {
            throw rejection(err, jose);
        }
        const claim = (name: string) => (typeof payload[name] === 'string' && payload[name] !== '' ? (payload[name] as string) : undefined);
        const oid = claim('oid');
        const tid = claim('tid');
        if (!oid || !tid) throw new TokenRejected('invalid-token', 'the token has no oid/tid claim');
        if (tid.toLowerCase() !== this.config.tenantId.toLowerCase()) throw new TokenRejected('invalid-token', `the token is from tenant ${tid}, not ${this.config.tenantId}`);
        const upn = claim('upn') ?? claim('preferred_username');
        const appid = claim('appid') ?? claim('azp');
        const name = claim('name');
        return { kind: 'entra', oid, tid, ...(upn ? { upn } : {}), ...(appid ? { appid } : {}), ...(name ? { name } : {}) };
    }

    private keySet(): Promise<{ jose: Jose; keySet: KeySet }> {
        // jose caches the keys and refetches on an unknown `kid` (key rotation), at most every 30 s.
        this.keys ??= import('jose').then((jose) => ({ jose, keySet: jose.createRemoteJWKSet(new URL(this.config.jwksUri), { timeoutDuration: 10_000 }) }));
        return this.keys;
    }
}

/** jose error codes caused by the token itself; anything else (a key set that cannot be fetched or read) is on our side. */
const TOKEN_FAULTS = new Set([
    'ERR_JWT_CLAIM_VALIDATION_FAILED',
    'ERR_JWT_EXPIRED',
    'ERR_JWT_INVALID',
    'ERR_JWS_INVALID',
    'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    'ERR_JWKS_NO_MATCHING_KEY',
    'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
    'ERR_JOSE_ALG_NOT_ALLOWED',
    'ERR_JOSE_NOT_SUPPORTED',
]);

function rejection(err: unknown, jose: Jose): TokenRejected {
    if (err instanceof jose.errors.JOSEError && TOKEN_FAULTS.has(err.code)) return new TokenRejected('invalid-token', `${err.code}: ${err.message}`, { cause: err });
    // The key set could not be read: not the caller's fault, and nothing is accepted meanwhile.
    return new TokenRejected('unavailable', `the tenant's signing keys could not be read: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}
