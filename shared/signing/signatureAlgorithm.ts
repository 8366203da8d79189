/**
 * The signature algorithm is decided by the signing certificate's key, never by the envelope
 * (signature-specification.md "Algorithm Selection"; signature-envelope-jws.md "Supported alg
 * header values": the verifier MUST match `alg` with the key's algorithm against substitution).
 */
import { constants, createHash, verify as verifySignature, type KeyObject } from 'node:crypto';
import type { NotaryAlgorithm } from './ports';

interface AlgorithmDetails {
    hash: 'sha256' | 'sha384' | 'sha512';
    family: 'rsa-pss' | 'ecdsa';
    /** COSE algorithm identifier (IANA COSE Algorithms; signature-envelope-cose.md "Supported alg header values"). */
    cose: number;
}

const ALGORITHMS: Record<NotaryAlgorithm, AlgorithmDetails> = {
    PS256: { hash: 'sha256', family: 'rsa-pss', cose: -37 },
    PS384: { hash: 'sha384', family: 'rsa-pss', cose: -38 },
    PS512: { hash: 'sha512', family: 'rsa-pss', cose: -39 },
    ES256: { hash: 'sha256', family: 'ecdsa', cose: -7 },
    ES384: { hash: 'sha384', family: 'ecdsa', cose: -35 },
    ES512: { hash: 'sha512', family: 'ecdsa', cose: -36 },
};

export type AlgorithmSelection = { ok: true; algorithm: NotaryAlgorithm } | { ok: false; reason: string };

/** The table of signature-specification.md "Algorithm Selection": key type and size give the algorithm. */
export function algorithmForKey(key: KeyObject): AlgorithmSelection {
    const details = key.asymmetricKeyDetails ?? {};
    if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') {
        const bits = details.modulusLength;
        if (bits === 2048) return { ok: true, algorithm: 'PS256' };
        if (bits === 3072) return { ok: true, algorithm: 'PS384' };
        if (bits === 4096) return { ok: true, algorithm: 'PS512' };
        return { ok: false, reason: `RSA key of ${bits} bits is not one of the sizes the Notary Project allows (2048, 3072, 4096)` };
    }
    if (key.asymmetricKeyType === 'ec') {
        const curve = details.namedCurve;
        if (curve === 'prime256v1' || curve === 'P-256') return { ok: true, algorithm: 'ES256' };
        if (curve === 'secp384r1' || curve === 'P-384') return { ok: true, algorithm: 'ES384' };
        if (curve === 'secp521r1' || curve === 'P-521') return { ok: true, algorithm: 'ES512' };
        return { ok: false, reason: `EC curve ${curve} is not one the Notary Project allows (P-256, P-384, P-521)` };
    }
    return { ok: false, reason: `key type ${key.asymmetricKeyType} is not RSA or EC` };
}

export function isNotaryAlgorithm(value: unknown): value is NotaryAlgorithm {
    return typeof value === 'string' && Object.hasOwn(ALGORITHMS, value);
}

export function coseAlgorithmId(algorithm: NotaryAlgorithm): number {
    return ALGORITHMS[algorithm].cose;
}

export function algorithmForCoseId(id: unknown): NotaryAlgorithm | null {
    for (const [name, details] of Object.entries(ALGORITHMS)) if (details.cose === id) return name as NotaryAlgorithm;
    return null;
}

/** The digest the remote signer is given (Key Vault signs a digest, not the message). */
export function digestForSigning(algorithm: NotaryAlgorithm, signingInput: Uint8Array): Uint8Array {
    return createHash(ALGORITHMS[algorithm].hash).update(signingInput).digest();
}

/**
 * Verifies a raw JWS/COSE signature: RSASSA-PSS with MGF1 of the same hash and a salt as long as
 * the hash (RFC 7518 section 3.5), or ECDSA as r||s (RFC 7518 section 3.4, RFC 9053 section 2.1).
 */
export function verifyRawSignature(algorithm: NotaryAlgorithm, key: KeyObject, signedBytes: Uint8Array, signature: Uint8Array): boolean {
    const details = ALGORITHMS[algorithm];
    try {
        if (details.family === 'rsa-pss') {
            return verifySignature(details.hash, signedBytes, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, signature);
        }
        return verifySignature(details.hash, signedBytes, { key, dsaEncoding: 'ieee-p1363' }, signature);
    } catch {
        // A signature of the wrong length or a key of the wrong type is simply not a valid signature.
        return false;
    }
}
