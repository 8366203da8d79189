/**
 * Named X.509 trust stores (trust-store-trust-policy.md "Trust Store"): `ca:<name>`,
 * `signingAuthority:<name>` and `tsa:<name>`, each a set of root certificates. Loaded from notation's
 * directory layout (`x509/<type>/<name>/*.{pem,crt,cer}`, sub-directories ignored, symlinks refused)
 * or built from certificates in memory (what Key Vault and the infra outputs give the app).
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCertificate, type ParsedCertificate } from './certificateChain';

export type TrustStoreType = 'ca' | 'signingAuthority' | 'tsa';
export const TRUST_STORE_TYPES: readonly TrustStoreType[] = ['ca', 'signingAuthority', 'tsa'];

export class TrustStore {
    private readonly stores = new Map<string, ParsedCertificate[]>();

    /** Adds certificates (DER or PEM, several PEM blocks allowed) to the store `type:name`. */
    add(type: TrustStoreType, name: string, certificates: Array<Uint8Array | string>): this {
        const key = `${type}:${name}`;
        const parsed = certificates.flatMap((certificate) => typeof certificate === 'string' ? pemBlocks(certificate) : [certificate]).map(parseCertificate);
        this.stores.set(key, [...(this.stores.get(key) ?? []), ...parsed]);
        return this;
    }

    /** The certificates of a `type:name` reference, or undefined when no such store exists. */
    certificates(reference: string): ParsedCertificate[] | undefined {
        return this.stores.get(reference);
    }

    /** Loads `<root>/x509/{ca,signingAuthority,tsa}/<name>/*` as notation does. */
    static fromDirectory(root: string): TrustStore {
        const store = new TrustStore();
        for (const type of TRUST_STORE_TYPES) {
            const typeDirectory = join(root, 'x509', type);
            if (!exists(typeDirectory)) continue;
            for (const name of readdirSync(typeDirectory)) {
                const directory = join(typeDirectory, name);
                const stat = lstatSync(directory);
                if (stat.isSymbolicLink()) throw new Error(`trust store ${type}:${name} is a symlink, which the Notary Project forbids`);
                if (!stat.isDirectory()) continue;
                const certificates: Uint8Array[] = [];
                for (const file of readdirSync(directory)) {
                    const path = join(directory, file);
                    const fileStat = lstatSync(path);
                    if (fileStat.isSymbolicLink()) throw new Error(`trust store file ${path} is a symlink, which the Notary Project forbids`);
                    if (!fileStat.isFile() || !/\.(pem|crt|cer)$/i.test(file)) continue;
                    const bytes = readFileSync(path);
                    const text = bytes.toString('latin1');
                    certificates.push(...(text.includes('-----BEGIN CERTIFICATE-----') ? pemBlocks(text) : [bytes]));
                }
                store.add(type, name, certificates);
            }
        }
        return store;
    }
}

function exists(path: string): boolean {
    try {
        return lstatSync(path).isDirectory();
    } catch {
        return false;
    }
}

/** The DER of every `CERTIFICATE` block of a PEM text. */
export function pemBlocks(pem: string): Uint8Array[] {
    const blocks = [...pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)];
    if (blocks.length === 0) throw new Error('no PEM certificate found');
    return blocks.map((block) => Buffer.from((block[1] ?? '').replace(/\s+/g, ''), 'base64'));
}
