/**
 * The RemoteSigner at the process boundary: what Key Vault's `sign` does, with a key pair made at
 * test time. Like Key Vault it is handed the digest; it also checks that digest against the signing
 * input, so a signer that hashed the wrong bytes is caught here.
 */
import { constants, createHash, sign, type KeyObject } from 'node:crypto';
import type { RemoteSigner, SigningRequest } from '../../shared/signing/ports';

const HASH = { PS256: 'sha256', PS384: 'sha384', PS512: 'sha512', ES256: 'sha256', ES384: 'sha384', ES512: 'sha512' } as const;

export class LocalRemoteSigner implements RemoteSigner {
    readonly requests: SigningRequest[] = [];

    constructor(private readonly privateKey: KeyObject, private readonly chain: Uint8Array[]) {}

    async certificateChain(): Promise<Uint8Array[]> {
        return this.chain;
    }

    async sign(request: SigningRequest): Promise<Uint8Array> {
        this.requests.push(request);
        const hash = HASH[request.algorithm];
        if (!Buffer.from(request.digest).equals(createHash(hash).update(request.signingInput).digest())) throw new Error('the digest is not the hash of the signing input');
        return request.algorithm.startsWith('PS')
            ? sign(hash, request.signingInput, { key: this.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST })
            : sign(hash, request.signingInput, { key: this.privateKey, dsaEncoding: 'ieee-p1363' });
    }
}
