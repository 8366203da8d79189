/**
 * The certificate chain of a Notary Project signature: parsed, checked against the certificate
 * requirements of signature-specification.md "Certificate Requirements", and matched against a
 * trust store (trust-store-trust-policy.md "Signature Verification", step "Validate Authenticity").
 * Chain links are checked with node:crypto; extensions are read with @peculiar/asn1-x509.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
    BasicConstraints, Certificate, ExtendedKeyUsage, KeyUsage, KeyUsageFlags,
    id_ce_basicConstraints, id_ce_cRLDistributionPoints, id_ce_extKeyUsage, id_ce_keyUsage, id_pe_authorityInfoAccess,
    id_kp_clientAuth, id_kp_codeSigning, id_kp_emailProtection, id_kp_serverAuth, id_kp_timeStamping, anyExtendedKeyUsage,
} from '@peculiar/asn1-x509';
import { MAX_CERTIFICATE_CHAIN_LENGTH } from './limits';

export interface ParsedCertificate {
    x509: X509Certificate;
    der: Uint8Array;
    notBefore: Date;
    notAfter: Date;
    /** Subject attributes in certificate order, e.g. [['C','US'],['CN','e2e']]. */
    subjectAttributes: Array<[string, string]>;
    /** SHA-256 of the DER, lower-case hex: what the thumbprint annotation lists. */
    sha256: string;
    basicConstraints?: { critical: boolean; ca: boolean; pathLength?: number };
    keyUsage?: { critical: boolean; flags: number };
    extendedKeyUsage?: string[];
    signatureAlgorithmOid: string;
    /** The certificate names an OCSP responder or CRL distribution point (RFC 5280 4.2.1.13, 4.2.2.1). */
    hasRevocationInfo: boolean;
}

export type ChainCheck = { ok: true } | { ok: false; reason: string };

const SHA1_SIGNATURE_OIDS = new Set(['1.2.840.113549.1.1.5', '1.2.840.10045.4.1']);

/** Parses a DER certificate; throws with the reason when it is not one. */
export function parseCertificate(der: Uint8Array): ParsedCertificate {
    const x509 = new X509Certificate(der);
    const asn = AsnConvert.parse(der, Certificate);
    const parsed: ParsedCertificate = {
        x509,
        der,
        notBefore: asn.tbsCertificate.validity.notBefore.getTime(),
        notAfter: asn.tbsCertificate.validity.notAfter.getTime(),
        subjectAttributes: subjectAttributesOf(x509.subject),
        sha256: createHash('sha256').update(der).digest('hex'),
        signatureAlgorithmOid: asn.signatureAlgorithm.algorithm,
        hasRevocationInfo: (asn.tbsCertificate.extensions ?? []).some((extension) => extension.extnID === id_ce_cRLDistributionPoints || extension.extnID === id_pe_authorityInfoAccess),
    };
    for (const extension of asn.tbsCertificate.extensions ?? []) {
        const value = extension.extnValue.buffer;
        if (extension.extnID === id_ce_basicConstraints) {
            const constraints = AsnConvert.parse(value, BasicConstraints);
            parsed.basicConstraints = { critical: extension.critical, ca: constraints.cA, ...(constraints.pathLenConstraint !== undefined ? { pathLength: constraints.pathLenConstraint } : {}) };
        } else if (extension.extnID === id_ce_keyUsage) {
            const usage = AsnConvert.parse(value, KeyUsage);
            parsed.keyUsage = { critical: extension.critical, flags: usage.toNumber() };
        } else if (extension.extnID === id_ce_extKeyUsage) {
            parsed.extendedKeyUsage = AsnConvert.parse(value, ExtendedKeyUsage).map(String);
        }
    }
    return parsed;
}

/** node:crypto prints a subject one attribute a line; a value with a newline is escaped there. */
function subjectAttributesOf(subject: string): Array<[string, string]> {
    return subject.split('\n').filter((line) => line.includes('=')).map((line) => {
        const at = line.indexOf('=');
        return [line.slice(0, at).trim(), line.slice(at + 1)];
    });
}

/** `CN=e2e,O=Notary,L=Seattle,ST=WA,C=US`: the most specific attribute first, as notation prints it. */
export function distinguishedName(certificate: ParsedCertificate): string {
    return [...certificate.subjectAttributes].reverse().map(([type, value]) => `${type}=${value}`).join(',');
}

export function parseChain(ders: Uint8Array[]): { ok: true; chain: ParsedCertificate[] } | { ok: false; reason: string } {
    if (ders.length === 0) return { ok: false, reason: 'the signature carries no certificate chain' };
    if (ders.length > MAX_CERTIFICATE_CHAIN_LENGTH) return { ok: false, reason: `the certificate chain has ${ders.length} certificates, more than the limit of ${MAX_CERTIFICATE_CHAIN_LENGTH}` };
    const chain: ParsedCertificate[] = [];
    for (const [index, der] of ders.entries()) {
        try {
            chain.push(parseCertificate(der));
        } catch (error) {
            return { ok: false, reason: `certificate ${index} of the chain is not a valid X.509 certificate: ${(error as Error).message}` };
        }
    }
    return { ok: true, chain };
}

/**
 * signature-specification.md "Certificate Requirements": ordered leaf → root, each signed by the
 * next, ending in a self-signed root; CA certificates with critical basicConstraints cA=true and a
 * critical keyUsage with keyCertSign; the leaf with a critical keyUsage of digitalSignature only
 * (nonRepudiation allowed), no CA flag, no forbidden extended key usage; no SHA-1; RSA ≥ 2048 bits,
 * EC ≥ 256 bits. A chain of just a root is held to the leaf requirements ("Other requirements" 1).
 */
export function checkChainRequirements(chain: ParsedCertificate[], purpose: 'codeSigning' | 'timeStamping' = 'codeSigning'): ChainCheck {
    for (const [index, certificate] of chain.entries()) {
        const name = `certificate ${index} (${distinguishedName(certificate)})`;
        if (SHA1_SIGNATURE_OIDS.has(certificate.signatureAlgorithmOid)) return { ok: false, reason: `${name} is signed with SHA-1` };
        const keyCheck = checkKeyLength(certificate);
        if (keyCheck) return { ok: false, reason: `${name}: ${keyCheck}` };
        const issuer = chain[index + 1] ?? certificate;
        // Name chaining plus the issuer's signature. Not X509Certificate.checkIssued: OpenSSL's check also
        // demands keyCertSign of the issuer, which a self-signed leaf-only chain (notation's own e2e
        // certificates) rightly lacks.
        if (certificate.x509.issuer !== issuer.x509.subject || !certificate.x509.verify(issuer.x509.publicKey)) {
            return index === chain.length - 1
                ? { ok: false, reason: `the chain does not end in a self-signed root: ${name} is not signed by itself` }
                : { ok: false, reason: `${name} is not issued and signed by the next certificate in the chain` };
        }
        // Below the CA at index i sit i - 1 intermediate CAs (the leaf does not count for pathLenConstraint).
        const requirement = index === 0 ? checkLeaf(certificate, purpose) : checkCa(certificate, index - 1);
        if (requirement) return { ok: false, reason: `${name}: ${requirement}` };
    }
    return { ok: true };
}

function checkKeyLength(certificate: ParsedCertificate): string | null {
    const key = certificate.x509.publicKey;
    const details = key.asymmetricKeyDetails ?? {};
    if ((key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') && (details.modulusLength ?? 0) < 2048) return `RSA key of ${details.modulusLength} bits is shorter than 2048`;
    if (key.asymmetricKeyType === 'ec' && !['prime256v1', 'secp384r1', 'secp521r1'].includes(details.namedCurve ?? '')) return `EC curve ${details.namedCurve} is not P-256, P-384 or P-521`;
    return null;
}

function checkCa(certificate: ParsedCertificate, intermediatesBelow: number): string | null {
    const constraints = certificate.basicConstraints;
    if (!constraints || !constraints.critical || !constraints.ca) return 'a CA certificate needs a critical basicConstraints extension with cA true';
    if (constraints.pathLength !== undefined && intermediatesBelow > constraints.pathLength) return `pathLenConstraint ${constraints.pathLength} is exceeded by the chain below it`;
    if (!certificate.keyUsage || !certificate.keyUsage.critical || (certificate.keyUsage.flags & KeyUsageFlags.keyCertSign) === 0) return 'a CA certificate needs a critical keyUsage extension with keyCertSign';
    return null;
}

const FORBIDDEN_LEAF_USAGES = KeyUsageFlags.keyEncipherment | KeyUsageFlags.dataEncipherment | KeyUsageFlags.keyAgreement
    | KeyUsageFlags.keyCertSign | KeyUsageFlags.encipherOnly | KeyUsageFlags.decipherOnly | KeyUsageFlags.cRLSign;

function checkLeaf(certificate: ParsedCertificate, purpose: 'codeSigning' | 'timeStamping'): string | null {
    if (certificate.basicConstraints?.ca) return 'the signing certificate must not be a CA (basicConstraints cA is true)';
    const usage = certificate.keyUsage;
    if (!usage || !usage.critical || (usage.flags & KeyUsageFlags.digitalSignature) === 0) return 'the signing certificate needs a critical keyUsage extension with digitalSignature';
    if ((usage.flags & FORBIDDEN_LEAF_USAGES) !== 0) return 'the signing certificate\'s keyUsage allows more than signing (encipherment, key agreement, certificate or CRL signing)';
    const extended = certificate.extendedKeyUsage;
    if (extended) {
        const forbidden = [anyExtendedKeyUsage, id_kp_serverAuth, id_kp_clientAuth, id_kp_emailProtection, purpose === 'codeSigning' ? id_kp_timeStamping : id_kp_codeSigning];
        const found = extended.find((oid) => forbidden.includes(oid));
        if (found) return `the extendedKeyUsage ${found} is not allowed for ${purpose}`;
        if (purpose === 'timeStamping' && !extended.includes(id_kp_timeStamping)) return 'a timestamping certificate needs the timeStamping extended key usage';
    }
    return null;
}

/** signature-specification.md "Other requirements" 5 and 6: every certificate valid at the given time. */
export function checkValidityAt(chain: ParsedCertificate[], at: Date): ChainCheck {
    for (const certificate of chain) {
        if (at < certificate.notBefore) return { ok: false, reason: `certificate "${distinguishedName(certificate)}" is not valid until ${certificate.notBefore.toISOString()}` };
        if (at > certificate.notAfter) return { ok: false, reason: `verification time is after certificate "${distinguishedName(certificate)}" validity period, it was expired at ${certificate.notAfter.toISOString()}` };
    }
    return { ok: true };
}

/**
 * trust-store-trust-policy.md "Validate Authenticity": the chain must lead to a certificate of the
 * named stores. Like notation-go, a certificate of the chain byte-equal to a trusted one anchors it.
 */
export function findTrustAnchor(chain: ParsedCertificate[], trusted: ParsedCertificate[]): ParsedCertificate | null {
    for (const anchor of trusted) {
        if (chain.some((certificate) => certificate.sha256 === anchor.sha256)) return anchor;
    }
    return null;
}
