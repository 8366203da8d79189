/**
 * A throw-away X.509 PKI made at test time (the stand-in for Key Vault's certificate): a root CA and
 * leaf certificates with the extensions the Notary Project requires, or deliberately without them.
 * Keys come from node:crypto; certificates are assembled with @peculiar/asn1-x509 and signed by the
 * issuer's key. Nothing here is committed key material.
 */
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
    AlgorithmIdentifier, AttributeTypeAndValue, AttributeValue, BasicConstraints, Certificate, ExtendedKeyUsage, Extension, Extensions,
    KeyUsage, KeyUsageFlags, Name, RelativeDistinguishedName, SubjectPublicKeyInfo, TBSCertificate, Validity, Version,
    id_ce_basicConstraints, id_ce_extKeyUsage, id_ce_keyUsage, id_kp_codeSigning, id_kp_serverAuth,
} from '@peculiar/asn1-x509';

export type KeySpec = { type: 'rsa'; bits: 2048 | 3072 | 4096 | 1024 } | { type: 'ec'; curve: 'P-256' | 'P-384' | 'P-521' };

export interface TestIdentity {
    der: Uint8Array;
    privateKey: KeyObject;
    publicKey: KeyObject;
}

export interface CertificateOptions {
    subject: Record<string, string>;
    key?: KeySpec;
    issuer?: TestIdentity & { subject: Record<string, string> };
    ca?: boolean;
    notBefore?: Date;
    notAfter?: Date;
    /** Override the key usage bits (default: keyCertSign for a CA, digitalSignature for a leaf). */
    keyUsage?: number;
    extendedKeyUsage?: 'codeSigning' | 'serverAuth' | 'none';
}

const ATTRIBUTE_OIDS: Record<string, string> = { C: '2.5.4.6', ST: '2.5.4.8', L: '2.5.4.7', O: '2.5.4.10', OU: '2.5.4.11', CN: '2.5.4.3' };

function nameOf(attributes: Record<string, string>): Name {
    return new Name(Object.entries(attributes).map(([type, value]) => new RelativeDistinguishedName([
        new AttributeTypeAndValue({ type: ATTRIBUTE_OIDS[type]!, value: new AttributeValue(type === 'C' ? { printableString: value } : { utf8String: value }) }),
    ])));
}

function extension(id: string, critical: boolean, value: unknown): Extension {
    return new Extension({ extnID: id, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

export function generateKey(spec: KeySpec = { type: 'rsa', bits: 2048 }): { privateKey: KeyObject; publicKey: KeyObject } {
    return spec.type === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: spec.bits })
        : generateKeyPairSync('ec', { namedCurve: spec.curve });
}

export type TestCertificate = TestIdentity & { subject: Record<string, string> };

export function issueCertificate(options: CertificateOptions): TestCertificate {
    const keys = generateKey(options.key);
    const issuer = options.issuer ?? { ...keys, subject: options.subject, der: new Uint8Array() };
    const ecIssuer = issuer.privateKey.asymmetricKeyType === 'ec';
    // sha256WithRSAEncryption (NULL parameters) or ecdsa-with-SHA256 (no parameters): RFC 4055, RFC 5758.
    const algorithm = ecIssuer
        ? new AlgorithmIdentifier({ algorithm: '1.2.840.10045.4.3.2' })
        : new AlgorithmIdentifier({ algorithm: '1.2.840.113549.1.1.11', parameters: new Uint8Array([5, 0]).buffer });
    const ca = options.ca ?? false;
    const extensions = [
        extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: ca })),
        extension(id_ce_keyUsage, true, new KeyUsage(options.keyUsage ?? (ca ? KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign : KeyUsageFlags.digitalSignature))),
    ];
    if (!ca && options.extendedKeyUsage !== 'none') {
        extensions.push(extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage([options.extendedKeyUsage === 'serverAuth' ? id_kp_serverAuth : id_kp_codeSigning])));
    }
    const serial = randomBytes(16);
    // Positive and minimally encoded: a first byte of 0x00 would make a non-minimal DER INTEGER, which
    // OpenSSL rejects (1 certificate in 128 failed to parse, making signing tests flaky).
    serial[0] = (serial[0]! & 0x7f) | 0x40;
    const tbs = new TBSCertificate({
        version: Version.v3,
        serialNumber: serial.buffer.slice(serial.byteOffset, serial.byteOffset + serial.byteLength),
        signature: algorithm,
        issuer: nameOf(issuer.subject),
        validity: new Validity({ notBefore: options.notBefore ?? new Date(Date.now() - 3_600_000), notAfter: options.notAfter ?? new Date(Date.now() + 365 * 86_400_000) }),
        subject: nameOf(options.subject),
        subjectPublicKeyInfo: AsnConvert.parse(keys.publicKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo),
        extensions: new Extensions(extensions),
    });
    const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
    const signature = sign('sha256', tbsDer, issuer.privateKey);
    const certificate = new Certificate({ tbsCertificate: tbs, signatureAlgorithm: algorithm, signatureValue: signature.buffer.slice(signature.byteOffset, signature.byteOffset + signature.byteLength) });
    return { der: new Uint8Array(AsnConvert.serialize(certificate)), privateKey: keys.privateKey, publicKey: keys.publicKey, subject: options.subject };
}

/** A root CA and a code-signing leaf it issued: chain = [leaf, root]. */
export function testPki(leafKey: KeySpec = { type: 'rsa', bits: 2048 }, leafOptions: Partial<CertificateOptions> = {}) {
    const root = issueCertificate({ subject: { C: 'US', ST: 'WA', O: 'acr-guard test', CN: 'acr-guard test root' }, ca: true, key: { type: 'rsa', bits: 2048 } });
    const leaf = issueCertificate({ subject: { C: 'US', ST: 'WA', L: 'Seattle', O: 'acr-guard test', CN: 'acr-guard gate' }, issuer: root, key: leafKey, ...leafOptions });
    return { root, leaf, chain: [leaf.der, root.der] };
}
