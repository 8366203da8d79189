/**
 * Verifies one Notary Project signature envelope against a trust store and trust policy, following
 * trust-store-trust-policy.md "Signature Verification" > "Steps": select the statement by registry
 * scope; integrity; authenticity (chain requirements, trust store, trusted identities); expiry;
 * authentic timestamp; revocation; each enforced or logged by the statement's verification level.
 * On top, the signed payload's targetArtifact must be exactly the subject the caller asked about.
 *
 * Not implemented, and failed closed instead (verdict `error` when enforced, a warning when logged):
 * RFC 3161 timestamp countersignatures (a statement that names a `tsa:` store and needs one) and
 * OCSP/CRL revocation checks (a chain that names a responder or distribution point).
 */
import { checkChainRequirements, checkValidityAt, distinguishedName, findTrustAnchor, parseChain, type ParsedCertificate } from './certificateChain';
import { parseCoseEnvelope } from './coseEnvelope';
import { descriptorMismatch, type OciDescriptor } from './descriptor';
import type { ParsedEnvelope } from './envelope';
import { parseJwsEnvelope } from './jwsEnvelope';
import { COSE_ENVELOPE, JWS_ENVELOPE } from './mediaTypes';
import { parseNotaryPayload } from './notaryPayload';
import type { SignatureVerdictKind } from './ports';
import { algorithmForKey, verifyRawSignature } from './signatureAlgorithm';
import { actionFor, matchesTrustedIdentities, selectStatement, type TrustPolicyDocument, type TrustPolicyStatement, type Validation } from './trustPolicy';
import type { TrustStore } from './trustStore';

export interface EnvelopeVerification {
    verdict: SignatureVerdictKind;
    reason: string;
    /** The signing certificate's subject, once integrity holds. */
    signer: string | null;
    /** Failures of validations the policy only logs (permissive, audit, overrides). */
    warnings: string[];
    /** The statement that applied. */
    statement: string | null;
}

export interface EnvelopeToVerify {
    envelope: Uint8Array;
    /** The signature manifest's layer media type: application/jose+json or application/cose. */
    envelopeMediaType: string;
    /** The artifact the caller is deciding about: the payload must name exactly this. */
    subject: Pick<OciDescriptor, 'mediaType' | 'digest' | 'size'>;
    /** `registry/repository`, what registryScopes match. */
    repositoryUri: string;
}

export interface NotaryVerifierOptions {
    trustPolicy: TrustPolicyDocument;
    trustStore: TrustStore;
    /** The verification time; defaults to now. */
    now?: () => Date;
}

export class NotaryEnvelopeVerifier {
    constructor(private readonly options: NotaryVerifierOptions) {}

    verify(input: EnvelopeToVerify): EnvelopeVerification {
        const now = this.options.now?.() ?? new Date();
        const warnings: string[] = [];
        const statement = selectStatement(this.options.trustPolicy, input.repositoryUri);
        if (!statement) return { verdict: 'invalid', reason: `no trust policy statement applies to ${input.repositoryUri}`, signer: null, warnings, statement: null };
        const result = (verdict: SignatureVerdictKind, reason: string, signer: string | null): EnvelopeVerification => ({ verdict, reason, signer, warnings, statement: statement.name });
        if (statement.signatureVerification.level === 'skip') return result('valid', `trust policy statement "${statement.name}" skips signature verification`, null);

        const stores = this.trustStores(statement);
        if (typeof stores === 'string') return result('error', stores, null);

        // Integrity (always enforced): parse by the manifest's layer media type, key decides the algorithm.
        const parsed = parseEnvelope(input.envelope, input.envelopeMediaType);
        if (!parsed.ok) return result('invalid', `integrity validation failed: ${parsed.reason}`, null);
        const envelope = parsed.envelope;
        const chain = parseChain(envelope.certificateChain);
        if (!chain.ok) return result('invalid', `integrity validation failed: ${chain.reason}`, null);
        const leaf = chain.chain[0]!;
        const algorithm = algorithmForKey(leaf.x509.publicKey);
        if (!algorithm.ok) return result('invalid', `integrity validation failed: ${algorithm.reason}`, null);
        if (algorithm.algorithm !== envelope.algorithm) return result('invalid', `integrity validation failed: the envelope claims ${envelope.algorithm} but the signing key requires ${algorithm.algorithm}`, null);
        if (!verifyRawSignature(algorithm.algorithm, leaf.x509.publicKey, envelope.signedBytes, envelope.signature)) return result('invalid', 'integrity validation failed: the signature is invalid', null);
        const signer = distinguishedName(leaf);

        // The payload is read only now that it is known to be signed: it must name exactly our subject.
        const payload = parseNotaryPayload(envelope.payload);
        if (!payload.ok) return result('invalid', `integrity validation failed: ${payload.reason}`, signer);
        const mismatch = descriptorMismatch(payload.targetArtifact, input.subject);
        if (mismatch) return result('invalid', `the signature is over another artifact: its targetArtifact ${mismatch}`, signer);

        const steps: Array<[Validation, () => string | null]> = [
            ['authenticity', () => this.authenticity(envelope, chain.chain, statement, stores)],
            ['expiry', () => envelope.signedAttributes.expiry && now >= envelope.signedAttributes.expiry ? `digital signature has expired on ${envelope.signedAttributes.expiry.toISOString()}` : null],
            ['authenticTimestamp', () => authenticTimestamp(envelope, chain.chain, statement, stores, now)],
            ['revocation', () => revocation(chain.chain)],
        ];
        for (const [validation, check] of steps) {
            const action = actionFor(statement, validation);
            if (action === 'skip') continue;
            const failure = check();
            if (failure === null) continue;
            const unsupported = failure.startsWith(UNSUPPORTED);
            const message = `${validation} validation failed: ${unsupported ? failure.slice(UNSUPPORTED.length) : failure}`;
            if (action === 'log') {
                warnings.push(message);
                continue;
            }
            return result(unsupported ? 'error' : 'invalid', message, signer);
        }
        const logged = warnings.length > 0 ? ` (logged, not enforced: ${warnings.join('; ')})` : '';
        return result('valid', `signed by "${signer}", trusted by statement "${statement.name}"${logged}`, signer);
    }

    /** The named stores of a statement by kind; a statement naming a store that does not exist is a configuration error. */
    private trustStores(statement: TrustPolicyStatement): Record<'ca' | 'signingAuthority' | 'tsa', ParsedCertificate[]> | string {
        const stores = { ca: [] as ParsedCertificate[], signingAuthority: [] as ParsedCertificate[], tsa: [] as ParsedCertificate[] };
        for (const reference of statement.trustStores ?? []) {
            const certificates = this.options.trustStore.certificates(reference);
            if (!certificates || certificates.length === 0) return `trust store ${reference} named by statement "${statement.name}" does not exist or is empty`;
            const type = reference.slice(0, reference.indexOf(':')) as keyof typeof stores;
            stores[type].push(...certificates);
        }
        return stores;
    }

    private authenticity(envelope: ParsedEnvelope, chain: ParsedCertificate[], statement: TrustPolicyStatement, stores: Record<'ca' | 'signingAuthority' | 'tsa', ParsedCertificate[]>): string | null {
        const requirements = checkChainRequirements(chain);
        if (!requirements.ok) return requirements.reason;
        // signing-scheme.md: notary.x509 chains to a `ca` store, notary.x509.signingAuthority to a `signingAuthority` store.
        const trusted = envelope.signedAttributes.signingScheme === 'notary.x509' ? stores.ca : stores.signingAuthority;
        if (!findTrustAnchor(chain, trusted)) return `the signature's certificate chain does not contain any trusted certificate (statement "${statement.name}", scheme ${envelope.signedAttributes.signingScheme})`;
        if (!matchesTrustedIdentities(statement, chain[0]!)) return `signing certificate from the digital signature does not match the X.509 trusted identities defined in the trust policy "${statement.name}"`;
        return null;
    }
}

/** Marks a check this implementation cannot perform: enforced, it is an `error`, never `invalid` or `valid`. */
const UNSUPPORTED = 'unsupported: ';

function parseEnvelope(bytes: Uint8Array, mediaType: string) {
    if (mediaType === JWS_ENVELOPE) return parseJwsEnvelope(bytes);
    if (mediaType === COSE_ENVELOPE) return parseCoseEnvelope(bytes);
    return { ok: false as const, reason: `signature envelope media type ${JSON.stringify(mediaType)} is not ${JWS_ENVELOPE} or ${COSE_ENVELOPE}` };
}

/**
 * "Validate Trusted Timestamp". notary.x509: like notation, a timestamp is only required when the
 * statement names a `tsa:` store (and, with verifyTimestamp afterCertExpiry, only once the chain has
 * expired); otherwise the chain must be valid now. notary.x509.signingAuthority: the chain must be
 * valid at the authentic signing time.
 */
function authenticTimestamp(envelope: ParsedEnvelope, chain: ParsedCertificate[], statement: TrustPolicyStatement, stores: { tsa: ParsedCertificate[] }, now: Date): string | null {
    if (envelope.signedAttributes.signingScheme === 'notary.x509.signingAuthority') {
        const validity = checkValidityAt(chain, envelope.signedAttributes.authenticSigningTime!);
        return validity.ok ? null : validity.reason;
    }
    const validNow = checkValidityAt(chain, now);
    const timestampRequired = stores.tsa.length > 0
        && !(statement.signatureVerification.verifyTimestamp === 'afterCertExpiry' && validNow.ok);
    if (!timestampRequired) return validNow.ok ? null : validNow.reason;
    if (!envelope.hasTimestampSignature) return 'no timestamp countersignature was found in the signature envelope';
    return `${UNSUPPORTED}the signature carries an RFC 3161 timestamp countersignature, which acr-guard does not verify; name no tsa: trust store in this statement to verify the chain at the current time instead`;
}

/** "Validate Revocation Status": a certificate without OCSP or CRL information counts as not revoked. */
function revocation(chain: ParsedCertificate[]): string | null {
    const named = chain.filter((certificate) => certificate.hasRevocationInfo);
    if (named.length === 0) return null;
    return `${UNSUPPORTED}certificate "${distinguishedName(named[0]!)}" names an OCSP responder or CRL, and acr-guard does not check revocation; set the statement's override revocation to "log" or "skip" to accept that`;
}
