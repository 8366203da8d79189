import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/**
 * A tiny but real OCI image, built the way image tools build one: a gzip-compressed tar layer,
 * an image config whose rootfs.diff_ids is the sha256 of the uncompressed tar, and an image
 * manifest naming both by digest and size. Pushed with plain fetch (pushImage) or written as an
 * OCI image layout directory (writeOciLayout) for skopeo.
 */

export const sha256 = (bytes: Buffer | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export interface Blob {
    readonly mediaType: string;
    readonly bytes: Buffer;
    readonly digest: string;
}

export interface OciImage {
    readonly config: Blob;
    readonly layers: readonly Blob[];
    readonly manifest: Blob;
}

const blob = (mediaType: string, bytes: Buffer): Blob => ({ mediaType, bytes, digest: sha256(bytes) });

/** A POSIX ustar archive of regular files (512-byte header + padded content each, two zero blocks at the end). */
export function tarball(files: Record<string, string>): Buffer {
    const parts: Buffer[] = [];
    for (const [name, text] of Object.entries(files)) {
        const content = Buffer.from(text, 'utf8');
        const header = Buffer.alloc(512);
        header.write(name, 0, 100, 'utf8');
        header.write('0000644\0', 100);
        header.write('0000000\0', 108);
        header.write('0000000\0', 116);
        header.write(`${content.length.toString(8).padStart(11, '0')}\0`, 124);
        header.write(`${(0).toString(8).padStart(11, '0')}\0`, 136);
        header.write('        ', 148); // checksum field counts as spaces while summing
        header.write('0', 156); // regular file
        header.write('ustar\0', 257);
        header.write('00', 263);
        let sum = 0;
        for (const byte of header) sum += byte;
        header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
        parts.push(header, content, Buffer.alloc((512 - (content.length % 512)) % 512));
    }
    parts.push(Buffer.alloc(1024));
    return Buffer.concat(parts);
}

export function buildImage(options: { files?: Record<string, string>; os?: string; architecture?: string; annotations?: Record<string, string> } = {}): OciImage {
    const tar = tarball(options.files ?? { 'hello.txt': 'hello from acr-guard\n' });
    const layer = blob('application/vnd.oci.image.layer.v1.tar+gzip', gzipSync(tar));
    const config = blob('application/vnd.oci.image.config.v1+json', Buffer.from(JSON.stringify({
        architecture: options.architecture ?? 'amd64',
        os: options.os ?? 'linux',
        created: '2026-01-01T00:00:00Z',
        config: { Cmd: ['/bin/sh'] },
        rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
    })));
    const manifest = blob('application/vnd.oci.image.manifest.v1+json', Buffer.from(JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: config.mediaType, digest: config.digest, size: config.bytes.length },
        layers: [{ mediaType: layer.mediaType, digest: layer.digest, size: layer.bytes.length }],
        ...(options.annotations ? { annotations: options.annotations } : {}),
    }, null, 2)));
    return { config, layers: [layer], manifest };
}

/** A JSON manifest document as a blob of its media type. */
export function manifestBlob(document: Record<string, unknown>): Blob {
    return blob(String(document['mediaType']), Buffer.from(JSON.stringify(document)));
}

export const descriptor = (b: Blob, extra: Record<string, unknown> = {}) => ({ mediaType: b.mediaType, digest: b.digest, size: b.bytes.length, ...extra });

/**
 * Uploads a blob the way the distribution spec describes: HEAD (already there?), POST to open a
 * session, then either one PUT with the bytes (monolithic) or PATCH chunks with Content-Range and
 * a closing PUT with the digest (chunked).
 */
export async function pushBlob(base: string, repository: string, b: Blob, mode: 'monolithic' | 'chunked' = 'monolithic', headers: Record<string, string> = {}): Promise<Response> {
    const head = await fetch(`${base}/v2/${repository}/blobs/${b.digest}`, { method: 'HEAD', headers });
    if (head.status === 200) return head;
    const opened = await fetch(`${base}/v2/${repository}/blobs/uploads/`, { method: 'POST', headers: { ...headers, 'Content-Length': '0' } });
    if (opened.status !== 202) throw new Error(`POST upload answered ${opened.status}: ${await opened.text()}`);
    let location = new URL(opened.headers.get('location')!, base).toString();
    if (mode === 'chunked') {
        const half = Math.ceil(b.bytes.length / 2);
        for (const [start, end] of [[0, half], [half, b.bytes.length]] as const) {
            const patched = await fetch(location, {
                method: 'PATCH',
                headers: { ...headers, 'Content-Type': 'application/octet-stream', 'Content-Range': `${start}-${end - 1}` },
                body: b.bytes.subarray(start, end),
            });
            if (patched.status !== 202) throw new Error(`PATCH answered ${patched.status}: ${await patched.text()}`);
            location = new URL(patched.headers.get('location')!, base).toString();
        }
        const url = new URL(location);
        url.searchParams.set('digest', b.digest);
        return fetch(url, { method: 'PUT', headers: { ...headers, 'Content-Length': '0' } });
    }
    const url = new URL(location);
    url.searchParams.set('digest', b.digest);
    return fetch(url, { method: 'PUT', headers: { ...headers, 'Content-Type': 'application/octet-stream' }, body: b.bytes });
}

export function putManifest(base: string, repository: string, reference: string, m: Blob, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${base}/v2/${repository}/manifests/${reference}`, { method: 'PUT', headers: { ...headers, 'Content-Type': m.mediaType }, body: m.bytes });
}

/** Config and layers (the layer in chunks), then the manifest under `reference`. */
export async function pushImage(base: string, repository: string, reference: string, image: OciImage, headers: Record<string, string> = {}): Promise<Response> {
    for (const [b, mode] of [[image.config, 'monolithic'], ...image.layers.map((l) => [l, 'chunked'] as const)] as const) {
        const pushed = await pushBlob(base, repository, b, mode, headers);
        if (pushed.status !== 201 && pushed.status !== 200) throw new Error(`blob ${b.digest} answered ${pushed.status}: ${await pushed.text()}`);
    }
    return putManifest(base, repository, reference, image.manifest, headers);
}

/**
 * An OCI image layout directory (image-spec image-layout.md) holding `top` as `tag`: an image, or
 * a multi-platform index (`extra` then carries the index's children and their blobs).
 */
export function writeOciLayout(dir: string, image: OciImage, tag: string, top: Blob = image.manifest, extra: readonly Blob[] = []): void {
    mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
    writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    for (const b of [image.config, ...image.layers, image.manifest, top, ...extra]) writeFileSync(join(dir, 'blobs', 'sha256', b.digest.slice('sha256:'.length)), b.bytes);
    writeFileSync(join(dir, 'index.json'), JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [descriptor(top, { annotations: { 'org.opencontainers.image.ref.name': tag } })],
    }));
}
