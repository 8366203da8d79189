import { randomBytes } from 'node:crypto';
import { digestOf } from '../../local-registry/contentStore';
import type { AcrServer } from '../acr-server/acrServer';

export interface ArtifactBlob {
    readonly mediaType: string;
    readonly bytes: Buffer;
}

/** Pushes an OCI manifest of our own making (config, layers, optional artifactType/subject/annotations) into the local registry; returns its digest. */
export function pushOciManifest(
    server: AcrServer,
    repository: string,
    reference: string,
    parts: { readonly config: ArtifactBlob; readonly layers: readonly ArtifactBlob[]; readonly artifactType?: string; readonly subject?: string },
): string {
    const descriptor = (b: ArtifactBlob) => {
        const digest = digestOf(b.bytes);
        server.registry.addBlob(repository, digest, b.bytes);
        return { mediaType: b.mediaType, digest, size: b.bytes.length };
    };
    const subject = parts.subject ? server.registry.resolve(repository, parts.subject) : undefined;
    const manifest = {
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        ...(parts.artifactType ? { artifactType: parts.artifactType } : {}),
        config: descriptor(parts.config),
        layers: parts.layers.map(descriptor),
        ...(subject ? { subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.content.length } } : {}),
    };
    return server.registry.pushManifest(repository, reference, Buffer.from(JSON.stringify(manifest)), 'application/vnd.oci.image.manifest.v1+json').manifest.digest;
}

/** An OCI index of our own making over manifests already in the repository (`entries` are its descriptors' extra fields). */
export function pushOciIndex(server: AcrServer, repository: string, tag: string, entries: ReadonlyArray<{ readonly digest: string; readonly platform?: { os: string; architecture: string }; readonly annotations?: Record<string, string> }>): string {
    const manifests = entries.map((e) => {
        const m = server.registry.resolve(repository, e.digest)!;
        return { mediaType: m.mediaType, digest: m.digest, size: m.content.length, ...(e.platform ? { platform: e.platform } : {}), ...(e.annotations ? { annotations: e.annotations } : {}) };
    });
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }));
    return server.registry.pushManifest(repository, tag, bytes, 'application/vnd.oci.image.index.v1+json').manifest.digest;
}

export const helmChart = (): { config: ArtifactBlob; layers: ArtifactBlob[] } => ({
    config: { mediaType: 'application/vnd.cncf.helm.config.v1+json', bytes: Buffer.from(JSON.stringify({ name: 'app', version: `1.0.${randomBytes(2).readUInt16BE()}`, apiVersion: 'v2' })) },
    layers: [{ mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', bytes: randomBytes(512) }],
});

/** A runnable image: an image config with a file system layer. */
export const runnableImage = (): { config: ArtifactBlob; layers: ArtifactBlob[] } => {
    const layer = randomBytes(1024);
    return {
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', bytes: Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [digestOf(layer)] } })) },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', bytes: layer }],
    };
};
