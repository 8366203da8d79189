/**
 * The JWS envelope of a Notary Project signature (signature-envelope-jws.md): flattened JWS JSON
 * serialization, `application/jose+json`. Built here for our signer and parsed here for the
 * verifier; the signature itself is checked by the verifier with the signing certificate's key.
 */
import { z } from 'zod';
import { AUTHENTIC_SIGNING_TIME, EXPIRY, SIGNING_AGENT, SIGNING_SCHEME, SIGNING_TIME, TIMESTAMP_SIGNATURE, checkCriticalAttributes, isSigningScheme, type EnvelopeParse } from './envelope';
import { MAX_ENVELOPE_BYTES } from './limits';
import { NOTARY_PAYLOAD_CONTENT_TYPE } from './mediaTypes';
import type { NotaryAlgorithm } from './ports';
import { isNotaryAlgorithm } from './signatureAlgorithm';

const base64url = /^[A-Za-z0-9_-]*$/;
const base64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** RFC 7515 section 2 "Base64url Encoding": no padding, no other characters. */
export function toBase64Url(bytes: Uint8Array): string {
    return Buffer.from(bytes).toString('base64url');
}

function fromBase64Url(value: string, what: string): Uint8Array {
    if (!base64url.test(value) || value.length % 4 === 1) throw new Error(`${what} is not base64url`);
    return Buffer.from(value, 'base64url');
}

/** RFC 3339 date-time (signature-envelope-jws.md "Protected Headers"), whole seconds when we write it. */
export function rfc3339(date: Date): string {
    return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const rfc3339Pattern = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

function parseTime(value: unknown, name: string): Date {
    if (typeof value !== 'string' || !rfc3339Pattern.test(value)) throw new Error(`${name} is not an RFC 3339 date-time`);
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) throw new Error(`${name} is not a valid date-time`);
    return date;
}

export interface JwsProtectedHeader {
    alg: NotaryAlgorithm;
    cty: typeof NOTARY_PAYLOAD_CONTENT_TYPE;
    crit: string[];
    [SIGNING_SCHEME]: 'notary.x509';
    [SIGNING_TIME]: string;
    [EXPIRY]?: string;
}

/** The protected header our signer writes: scheme notary.x509, signing time, optional expiry. */
export function protectedHeaderFor(algorithm: NotaryAlgorithm, signingTime: Date, expiry?: Date): JwsProtectedHeader {
    return {
        alg: algorithm,
        cty: NOTARY_PAYLOAD_CONTENT_TYPE,
        crit: expiry ? [SIGNING_SCHEME, EXPIRY] : [SIGNING_SCHEME],
        [SIGNING_SCHEME]: 'notary.x509',
        [SIGNING_TIME]: rfc3339(signingTime),
        ...(expiry ? { [EXPIRY]: rfc3339(expiry) } : {}),
    };
}

/** signature-envelope-jws.md "Create the JWS Signing Input": ASCII(BASE64URL(protected) '.' BASE64URL(payload)). */
export function jwsSigningInput(protectedB64: string, payloadB64: string): Uint8Array {
    return Buffer.from(`${protectedB64}.${payloadB64}`, 'ascii');
}

export interface JwsEnvelopeParts {
    protectedB64: string;
    payloadB64: string;
    signature: Uint8Array;
    certificateChain: Uint8Array[];
    signingAgent?: string;
}

/** signature-envelope-jws.md "Signature Envelope": exactly payload, protected, header, signature. */
export function serializeJwsEnvelope(parts: JwsEnvelopeParts): Uint8Array {
    const envelope = {
        payload: parts.payloadB64,
        protected: parts.protectedB64,
        header: {
            x5c: parts.certificateChain.map((der) => Buffer.from(der).toString('base64')),
            ...(parts.signingAgent ? { [SIGNING_AGENT]: parts.signingAgent } : {}),
        },
        signature: toBase64Url(parts.signature),
    };
    return Buffer.from(JSON.stringify(envelope), 'utf8');
}

const envelopeSchema = z.object({
    payload: z.string(),
    protected: z.string(),
    header: z.object({
        x5c: z.array(z.string().regex(base64, 'x5c entries must be base64 DER')).min(1),
        [TIMESTAMP_SIGNATURE]: z.string().optional(),
        [SIGNING_AGENT]: z.string().optional(),
    }).passthrough(),
    signature: z.string(),
}).strict();

/** Parses a JWS envelope; any deviation from the spec is an integrity failure with its reason. */
export function parseJwsEnvelope(bytes: Uint8Array): EnvelopeParse {
    if (bytes.byteLength > MAX_ENVELOPE_BYTES) return { ok: false, reason: `the envelope is ${bytes.byteLength} bytes, more than the limit of ${MAX_ENVELOPE_BYTES}` };
    try {
        let json: unknown;
        try {
            json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
        } catch {
            return { ok: false, reason: 'the JWS envelope is not UTF-8 JSON' };
        }
        const shape = envelopeSchema.safeParse(json);
        if (!shape.success) return { ok: false, reason: `the JWS envelope is not a flattened JWS JSON serialization with x5c: ${shape.error.issues.map((issue) => `${issue.path.join('.') || '(root)'} ${issue.message}`).join('; ')}` };
        const envelope = shape.data;
        const header = JSON.parse(Buffer.from(fromBase64Url(envelope.protected, 'the protected header')).toString('utf8')) as unknown;
        if (typeof header !== 'object' || header === null || Array.isArray(header)) return { ok: false, reason: 'the protected header is not a JSON object' };
        const fields = header as Record<string, unknown>;
        if (!isNotaryAlgorithm(fields.alg)) return { ok: false, reason: `alg ${JSON.stringify(fields.alg)} is not one the Notary Project allows (PS256/384/512, ES256/384/512)` };
        if (fields.cty !== NOTARY_PAYLOAD_CONTENT_TYPE) return { ok: false, reason: `cty ${JSON.stringify(fields.cty)} is not ${NOTARY_PAYLOAD_CONTENT_TYPE}` };
        if (!Array.isArray(fields.crit) || !fields.crit.every((item) => typeof item === 'string')) return { ok: false, reason: 'the protected header has no crit array of strings' };
        if (!isSigningScheme(fields[SIGNING_SCHEME])) return { ok: false, reason: `signing scheme ${JSON.stringify(fields[SIGNING_SCHEME])} is not notary.x509 or notary.x509.signingAuthority` };
        const attributes = {
            contentType: NOTARY_PAYLOAD_CONTENT_TYPE,
            signingScheme: fields[SIGNING_SCHEME],
            ...(SIGNING_TIME in fields ? { signingTime: parseTime(fields[SIGNING_TIME], SIGNING_TIME) } : {}),
            ...(AUTHENTIC_SIGNING_TIME in fields ? { authenticSigningTime: parseTime(fields[AUTHENTIC_SIGNING_TIME], AUTHENTIC_SIGNING_TIME) } : {}),
            ...(EXPIRY in fields ? { expiry: parseTime(fields[EXPIRY], EXPIRY) } : {}),
        };
        const critical = fields.crit as string[];
        // signature-envelope-jws.md: crit MUST only list headers apart from the registered ones.
        if (critical.some((name) => ['alg', 'cty', 'crit', 'typ', 'kid', 'x5c', 'jku', 'jwk', 'x5u', 'x5t', 'x5t#S256'].includes(name))) return { ok: false, reason: 'crit lists a registered JWS header' };
        const problem = checkCriticalAttributes(critical, new Set(Object.keys(fields)), attributes);
        if (problem) return { ok: false, reason: problem };
        return {
            ok: true,
            envelope: {
                format: 'jws',
                algorithm: fields.alg,
                signedAttributes: attributes,
                payload: fromBase64Url(envelope.payload, 'the payload'),
                certificateChain: envelope.header.x5c.map((der) => Buffer.from(der, 'base64')),
                hasTimestampSignature: typeof envelope.header[TIMESTAMP_SIGNATURE] === 'string',
                ...(envelope.header[SIGNING_AGENT] ? { signingAgent: envelope.header[SIGNING_AGENT] } : {}),
                signedBytes: jwsSigningInput(envelope.protected, envelope.payload),
                signature: fromBase64Url(envelope.signature, 'the signature'),
            },
        };
    } catch (error) {
        return { ok: false, reason: `the JWS envelope is malformed: ${(error as Error).message}` };
    }
}
