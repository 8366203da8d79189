/**
 * What a Notary Project signature envelope says, whatever its format (signature-specification.md
 * "Signature Envelope": payload m, signed attributes v, unsigned attributes u, signature s), and the
 * signed-attribute rules both formats share.
 */
import type { NotaryAlgorithm } from './ports';

export type SigningScheme = 'notary.x509' | 'notary.x509.signingAuthority';

export interface SignedAttributes {
    contentType: string;
    signingScheme: SigningScheme;
    /** Required for notary.x509; untrusted (signature-specification.md "Signed Attributes"). */
    signingTime?: Date;
    /** Required for notary.x509.signingAuthority; critical. */
    authenticSigningTime?: Date;
    /** Optional "best by use" time; critical. */
    expiry?: Date;
}

export interface ParsedEnvelope {
    format: 'jws' | 'cose';
    /** The algorithm the envelope claims; the verifier checks it against the signing key. */
    algorithm: NotaryAlgorithm;
    signedAttributes: SignedAttributes;
    payload: Uint8Array;
    /** DER certificates, signing certificate first. */
    certificateChain: Uint8Array[];
    /** An RFC 3161 TimeStampToken countersignature is attached (unsigned attribute). */
    hasTimestampSignature: boolean;
    signingAgent?: string;
    /** Exactly the bytes the signature covers: the JWS Signing Input or the COSE ToBeSigned. */
    signedBytes: Uint8Array;
    signature: Uint8Array;
}

export type EnvelopeParse = { ok: true; envelope: ParsedEnvelope } | { ok: false; reason: string };

/** The extended and standard critical attributes this implementation understands. */
export const SIGNING_SCHEME = 'io.cncf.notary.signingScheme';
export const SIGNING_TIME = 'io.cncf.notary.signingTime';
export const AUTHENTIC_SIGNING_TIME = 'io.cncf.notary.authenticSigningTime';
export const EXPIRY = 'io.cncf.notary.expiry';
export const TIMESTAMP_SIGNATURE = 'io.cncf.notary.timestampSignature';
export const SIGNING_AGENT = 'io.cncf.notary.signingAgent';
const UNDERSTOOD_CRITICAL = new Set([SIGNING_SCHEME, AUTHENTIC_SIGNING_TIME, EXPIRY]);
/** signature-specification.md "Extended attributes for Notation Plugins": we run no plugins, so these fail. */
const PLUGIN_ATTRIBUTES = new Set(['io.cncf.notary.verificationPlugin', 'io.cncf.notary.verificationPluginMinVersion']);

/**
 * The rules of signature-specification.md "Signed Attributes" and the `crit` rules of both envelope
 * specs: signingScheme critical and one of the two schemes; signingTime only with notary.x509;
 * authenticSigningTime (critical) only with signingAuthority; expiry critical when present; every
 * critical attribute present and understood (unknown critical attributes MUST fail verification).
 */
export function checkCriticalAttributes(critical: string[], present: Set<string>, attributes: Partial<SignedAttributes>): string | null {
    if (new Set(critical).size !== critical.length) return 'the crit header lists an attribute twice';
    for (const name of critical) {
        if (PLUGIN_ATTRIBUTES.has(name)) return `the signature requires the verification plugin attribute ${name}, which acr-guard does not run (signature-specification.md: an implementation MUST fail if it cannot perform the plugin's verification)`;
        if (!UNDERSTOOD_CRITICAL.has(name)) return `the critical attribute ${name} is not understood`;
        if (!present.has(name)) return `the critical attribute ${name} is listed in crit but absent`;
    }
    if (!critical.includes(SIGNING_SCHEME)) return `${SIGNING_SCHEME} must be marked critical`;
    if (present.has(EXPIRY) && !critical.includes(EXPIRY)) return `${EXPIRY} is present but not marked critical`;
    if (present.has(AUTHENTIC_SIGNING_TIME) && !critical.includes(AUTHENTIC_SIGNING_TIME)) return `${AUTHENTIC_SIGNING_TIME} is present but not marked critical`;
    if (attributes.signingScheme === 'notary.x509') {
        if (!attributes.signingTime) return `${SIGNING_TIME} is required with the notary.x509 signing scheme`;
        if (attributes.authenticSigningTime) return `${AUTHENTIC_SIGNING_TIME} is only valid with the notary.x509.signingAuthority scheme`;
    } else if (attributes.signingScheme === 'notary.x509.signingAuthority') {
        if (!attributes.authenticSigningTime) return `${AUTHENTIC_SIGNING_TIME} is required with the notary.x509.signingAuthority signing scheme`;
        if (attributes.signingTime) return `${SIGNING_TIME} is only valid with the notary.x509 scheme`;
    } else {
        return `signing scheme ${JSON.stringify(attributes.signingScheme)} is not notary.x509 or notary.x509.signingAuthority`;
    }
    return null;
}

export function isSigningScheme(value: unknown): value is SigningScheme {
    return value === 'notary.x509' || value === 'notary.x509.signingAuthority';
}
