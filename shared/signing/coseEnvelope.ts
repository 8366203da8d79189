/**
 * The COSE envelope of a Notary Project signature (signature-envelope-cose.md): a COSE_Sign1_Tagged
 * object (RFC 9052 section 4.2), `application/cose`. Decoded with node-cbor (./cbor.ts); the ToBeSigned
 * Sig_structure (RFC 9052 section 4.4) is re-encoded here so the verifier can check the signature
 * with node:crypto.
 */
import { decodeCbor, encodeCbor, taggedValue } from './cbor';
import { AUTHENTIC_SIGNING_TIME, EXPIRY, SIGNING_AGENT, SIGNING_SCHEME, SIGNING_TIME, TIMESTAMP_SIGNATURE, checkCriticalAttributes, isSigningScheme, type EnvelopeParse } from './envelope';
import { MAX_ENVELOPE_BYTES } from './limits';
import { NOTARY_PAYLOAD_CONTENT_TYPE } from './mediaTypes';
import { algorithmForCoseId } from './signatureAlgorithm';

const COSE_SIGN1_TAG = 18;
const LABEL_ALG = 1;
const LABEL_CRIT = 2;
const LABEL_CONTENT_TYPE = 3;
const LABEL_X5CHAIN = 33;

function isBytes(value: unknown): value is Uint8Array {
    return value instanceof Uint8Array;
}

/** RFC 8949 section 3.4.2 epoch date/time (tag 1), which the decoder turns into a Date. */
function parseTime(value: unknown, name: string): Date {
    if (value instanceof Date && !Number.isNaN(value.getTime())) return value;
    throw new Error(`${name} is not a CBOR epoch date/time (tag 1)`);
}

/** Parses a COSE_Sign1_Tagged envelope; any deviation from the spec is an integrity failure with its reason. */
export function parseCoseEnvelope(bytes: Uint8Array): EnvelopeParse {
    if (bytes.byteLength > MAX_ENVELOPE_BYTES) return { ok: false, reason: `the envelope is ${bytes.byteLength} bytes, more than the limit of ${MAX_ENVELOPE_BYTES}` };
    try {
        let decoded: unknown;
        try {
            decoded = decodeCbor(bytes);
        } catch (error) {
            return { ok: false, reason: `the COSE envelope is not CBOR: ${(error as Error).message}` };
        }
        const parts = taggedValue(decoded, COSE_SIGN1_TAG);
        if (parts === undefined) return { ok: false, reason: 'the COSE envelope is not a COSE_Sign1_Tagged object (CBOR tag 18)' };
        if (!Array.isArray(parts) || parts.length !== 4) return { ok: false, reason: 'COSE_Sign1 must be an array of four items' };
        const [protectedBytes, unprotected, payload, signature] = parts as unknown[];
        if (!isBytes(protectedBytes) || protectedBytes.byteLength === 0) return { ok: false, reason: 'the COSE protected header is not a non-empty byte string' };
        if (!(unprotected instanceof Map)) return { ok: false, reason: 'the COSE unprotected header is not a map' };
        if (!isBytes(payload)) return { ok: false, reason: 'the COSE payload is missing or detached' };
        if (!isBytes(signature)) return { ok: false, reason: 'the COSE signature is not a byte string' };
        const header = decodeCbor(protectedBytes);
        if (!(header instanceof Map)) return { ok: false, reason: 'the COSE protected header is not a map' };
        const algorithm = algorithmForCoseId(header.get(LABEL_ALG));
        if (!algorithm) return { ok: false, reason: `COSE alg ${JSON.stringify(header.get(LABEL_ALG))} is not one the Notary Project allows (PS256/384/512, ES256/384/512)` };
        if (header.get(LABEL_CONTENT_TYPE) !== NOTARY_PAYLOAD_CONTENT_TYPE) return { ok: false, reason: `content type ${JSON.stringify(header.get(LABEL_CONTENT_TYPE))} is not ${NOTARY_PAYLOAD_CONTENT_TYPE}` };
        const critical = header.get(LABEL_CRIT) as unknown;
        if (!Array.isArray(critical)) return { ok: false, reason: 'the COSE protected header has no crit array' };
        // signature-envelope-cose.md: crit MUST only contain parameters apart from integer labels 0 to 8.
        if (critical.some((label) => typeof label === 'number' && label >= 0 && label <= 8)) return { ok: false, reason: 'crit lists a COSE common header parameter (labels 0 to 8)' };
        if (critical.some((label) => typeof label !== 'string')) return { ok: false, reason: `crit lists a parameter this implementation does not understand: ${critical.filter((label) => typeof label !== 'string').join(', ')}` };
        const scheme = header.get(SIGNING_SCHEME) as unknown;
        if (!isSigningScheme(scheme)) return { ok: false, reason: `signing scheme ${JSON.stringify(scheme)} is not notary.x509 or notary.x509.signingAuthority` };
        const attributes = {
            contentType: NOTARY_PAYLOAD_CONTENT_TYPE,
            signingScheme: scheme,
            ...(header.has(SIGNING_TIME) ? { signingTime: parseTime(header.get(SIGNING_TIME), SIGNING_TIME) } : {}),
            ...(header.has(AUTHENTIC_SIGNING_TIME) ? { authenticSigningTime: parseTime(header.get(AUTHENTIC_SIGNING_TIME), AUTHENTIC_SIGNING_TIME) } : {}),
            ...(header.has(EXPIRY) ? { expiry: parseTime(header.get(EXPIRY), EXPIRY) } : {}),
        };
        const present = new Set([...header.keys()].filter((key): key is string => typeof key === 'string'));
        const problem = checkCriticalAttributes(critical as string[], present, attributes);
        if (problem) return { ok: false, reason: problem };
        // x5chain (label 33) is unprotected, or optionally protected; a lone certificate may be a bare bstr (RFC 9360).
        const chain = (unprotected.get(LABEL_X5CHAIN) ?? header.get(LABEL_X5CHAIN)) as unknown;
        const certificates = isBytes(chain) ? [chain] : chain;
        if (!Array.isArray(certificates) || certificates.length === 0 || !certificates.every(isBytes)) return { ok: false, reason: 'the COSE envelope has no x5chain of DER certificates' };
        const agent = unprotected.get(SIGNING_AGENT) as unknown;
        return {
            ok: true,
            envelope: {
                format: 'cose',
                algorithm,
                signedAttributes: attributes,
                payload,
                certificateChain: certificates as Uint8Array[],
                hasTimestampSignature: isBytes(unprotected.get(TIMESTAMP_SIGNATURE)),
                ...(typeof agent === 'string' ? { signingAgent: agent } : {}),
                signedBytes: coseToBeSigned(protectedBytes, payload),
                signature,
            },
        };
    } catch (error) {
        return { ok: false, reason: `the COSE envelope is malformed: ${(error as Error).message}` };
    }
}

/** signature-envelope-cose.md "Signature": Sig_structure = ['Signature1', body_protected, h'', payload], CBOR-encoded. */
export function coseToBeSigned(protectedBytes: Uint8Array, payload: Uint8Array): Uint8Array {
    return encodeCbor(['Signature1', Buffer.from(protectedBytes), Buffer.alloc(0), Buffer.from(payload)]);
}
