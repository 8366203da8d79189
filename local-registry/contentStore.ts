import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StoredManifest, StoredTag } from './registryState';

/** The digest of `bytes` with `algorithm` (sha256 unless the reference names sha512). */
export function digestOf(bytes: Buffer, algorithm: string = 'sha256'): string {
    return `${algorithm}:${createHash(algorithm === 'sha512' ? 'sha512' : 'sha256').update(bytes).digest('hex')}`;
}

/** What is saved of one repository; manifest bytes live in the blob store under their digest. */
export interface SavedRepository {
    readonly name: string;
    readonly blobs: string[];
    readonly manifests: Array<Omit<StoredManifest, 'content'>>;
    readonly tags: StoredTag[];
}

/**
 * Where the registry keeps its bytes: in memory (tests), or in a data directory laid out like an
 * OCI image layout's blob store (`blobs/<algorithm>/<hex>`) plus `state.json` for repositories,
 * tags and attributes, so `npm start` keeps pushed images across restarts.
 */
export class ContentStore {
    private readonly memory = new Map<string, Buffer>();

    private constructor(private readonly dir: string | undefined) {
        if (dir) mkdirSync(join(dir, 'blobs'), { recursive: true });
    }

    static inMemory(): ContentStore {
        return new ContentStore(undefined);
    }

    static inDirectory(dir: string): ContentStore {
        return new ContentStore(dir);
    }

    has(digest: string): boolean {
        return this.memory.has(digest) || (this.dir !== undefined && existsSync(this.pathOf(digest)));
    }

    get(digest: string): Buffer | undefined {
        const held = this.memory.get(digest);
        if (held || !this.dir) return held;
        const path = this.pathOf(digest);
        return existsSync(path) ? readFileSync(path) : undefined;
    }

    put(digest: string, bytes: Buffer): void {
        if (!this.dir) {
            this.memory.set(digest, bytes);
            return;
        }
        const path = this.pathOf(digest);
        if (existsSync(path)) return;
        mkdirSync(join(path, '..'), { recursive: true });
        // Write then rename: a crash never leaves a blob whose bytes do not match its name.
        writeFileSync(`${path}.partial`, bytes);
        renameSync(`${path}.partial`, path);
    }

    loadState(): SavedRepository[] {
        if (!this.dir || !existsSync(this.statePath())) return [];
        return (JSON.parse(readFileSync(this.statePath(), 'utf8')) as { repositories: SavedRepository[] }).repositories;
    }

    saveState(repositories: SavedRepository[]): void {
        if (!this.dir) return;
        writeFileSync(`${this.statePath()}.partial`, JSON.stringify({ version: 1, repositories }));
        renameSync(`${this.statePath()}.partial`, this.statePath());
    }

    private statePath(): string {
        return join(this.dir!, 'state.json');
    }

    private pathOf(digest: string): string {
        const [algorithm, hex] = digest.split(':') as [string, string];
        // Digests are validated before they reach the store; this keeps a bad one out of the path anyway.
        if (!/^(sha256|sha512)$/.test(algorithm) || !/^[a-f0-9]+$/.test(hex ?? '')) throw new TypeError(`not a digest: ${digest}`);
        return join(this.dir!, 'blobs', algorithm, hex);
    }
}
