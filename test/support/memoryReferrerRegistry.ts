/**
 * The registry at the network boundary, in memory: stores blobs and manifests by digest and answers
 * the OCI 1.1 referrers query from the manifests' `subject` (distribution-spec "Listing Referrers").
 * It can be seeded from an OCI image layout read in place (the notation e2e layouts in
 * ../shared/fixtures). It checks what a registry checks on push (digests) and nothing more.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OciDescriptor } from '../../shared/signing/descriptor';
import type { ReferrerRegistry } from '../../shared/signing/ports';

const digestOf = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export class MemoryReferrerRegistry implements ReferrerRegistry {
    readonly blobs = new Map<string, Uint8Array>();
    readonly manifests = new Map<string, { mediaType: string; bytes: Uint8Array }>();
    /** Every call, for assertions on what was pushed and read. */
    readonly calls: string[] = [];
    /** Set to make every call fail as an unreachable registry would. */
    failWith: Error | null = null;

    async listReferrers(repository: string, subjectDigest: string, artifactType?: string): Promise<OciDescriptor[]> {
        this.calls.push(`listReferrers ${repository} ${subjectDigest} ${artifactType ?? ''}`);
        if (this.failWith) throw this.failWith;
        const referrers: OciDescriptor[] = [];
        for (const [digest, { mediaType, bytes }] of this.manifests) {
            let manifest: { subject?: { digest?: string }; artifactType?: string; config?: { mediaType?: string }; annotations?: Record<string, string> };
            try {
                manifest = JSON.parse(Buffer.from(bytes).toString('utf8')) as typeof manifest;
            } catch {
                continue; // content stored as a manifest that is not JSON refers to nothing
            }
            if (manifest.subject?.digest !== subjectDigest) continue;
            // distribution-spec: artifactType is the manifest's artifactType, else its config.mediaType.
            const type = manifest.artifactType ?? manifest.config?.mediaType;
            if (artifactType && type !== artifactType) continue;
            referrers.push({ mediaType, digest, size: bytes.byteLength, ...(type ? { artifactType: type } : {}), ...(manifest.annotations ? { annotations: manifest.annotations } : {}) });
        }
        return referrers;
    }

    async fetchManifest(repository: string, digest: string, maxBytes: number): Promise<Uint8Array> {
        this.calls.push(`fetchManifest ${repository} ${digest}`);
        if (this.failWith) throw this.failWith;
        const manifest = this.manifests.get(digest);
        if (!manifest) throw new Error(`manifest ${digest} not found`);
        if (manifest.bytes.byteLength > maxBytes) throw new Error(`manifest ${digest} is larger than ${maxBytes} bytes`);
        return manifest.bytes;
    }

    async fetchBlob(repository: string, digest: string, maxBytes: number): Promise<Uint8Array> {
        this.calls.push(`fetchBlob ${repository} ${digest}`);
        if (this.failWith) throw this.failWith;
        const blob = this.blobs.get(digest);
        if (!blob) throw new Error(`blob ${digest} not found`);
        if (blob.byteLength > maxBytes) throw new Error(`blob ${digest} is larger than ${maxBytes} bytes`);
        return blob;
    }

    async pushBlob(repository: string, digest: string, bytes: Uint8Array): Promise<void> {
        this.calls.push(`pushBlob ${repository} ${digest}`);
        if (this.failWith) throw this.failWith;
        if (digestOf(bytes) !== digest) throw new Error(`blob digest ${digest} does not match its bytes`);
        this.blobs.set(digest, bytes);
    }

    async pushManifest(repository: string, digest: string, mediaType: string, bytes: Uint8Array): Promise<void> {
        this.calls.push(`pushManifest ${repository} ${digest}`);
        if (this.failWith) throw this.failWith;
        if (digestOf(bytes) !== digest) throw new Error(`manifest digest ${digest} does not match its bytes`);
        this.manifests.set(digest, { mediaType, bytes });
    }

    /** Stores a manifest without the push-time digest check, as a hostile or broken registry could serve it. */
    putRaw(digest: string, mediaType: string, bytes: Uint8Array): void {
        this.manifests.set(digest, { mediaType, bytes });
    }

    /** Seeds every manifest and blob of an OCI image layout (index.json + blobs/sha256/*), read in place. */
    static fromOciLayout(directory: string): MemoryReferrerRegistry {
        const registry = new MemoryReferrerRegistry();
        const index = JSON.parse(readFileSync(join(directory, 'index.json'), 'utf8')) as { manifests: OciDescriptor[] };
        const blobPath = (digest: string) => join(directory, 'blobs', ...digest.split(':'));
        const pending = [...index.manifests];
        while (pending.length > 0) {
            const descriptor = pending.shift()!;
            const bytes = readFileSync(blobPath(descriptor.digest));
            registry.manifests.set(descriptor.digest, { mediaType: descriptor.mediaType, bytes });
            const content = JSON.parse(bytes.toString('utf8')) as { config?: OciDescriptor; layers?: OciDescriptor[]; manifests?: OciDescriptor[] };
            for (const blob of [content.config, ...(content.layers ?? [])]) {
                if (!blob) continue;
                try {
                    registry.blobs.set(blob.digest, readFileSync(blobPath(blob.digest)));
                } catch {
                    // A layout may omit the empty config; a missing envelope shows up as a fetch error.
                }
            }
            pending.push(...(content.manifests ?? []).filter((child) => !registry.manifests.has(child.digest)));
        }
        return registry;
    }
}
