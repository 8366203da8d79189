import { z } from 'zod';
import { DistributionError } from './distributionErrors';

export const MEDIA_TYPES = {
    dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
    dockerConfig: 'application/vnd.docker.container.image.v1+json',
    dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
    ociManifest: 'application/vnd.oci.image.manifest.v1+json',
    ociConfig: 'application/vnd.oci.image.config.v1+json',
    ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
    ociIndex: 'application/vnd.oci.image.index.v1+json',
    dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
    ociEmpty: 'application/vnd.oci.empty.v1+json',
} as const;

const IMAGE_TYPES: ReadonlySet<string> = new Set([MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest]);
const INDEX_TYPES: ReadonlySet<string> = new Set([MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerManifestList]);

const digest = z.string().regex(/^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/, 'not a sha256 or sha512 digest');
const mediaType = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/, 'not a media type');
const annotations = z.record(z.string(), z.string());

/** An OCI content descriptor (image-spec descriptor.md), as much of it as the registry reads. */
const descriptorShape = z.object({
    mediaType,
    digest,
    size: z.number().int().nonnegative(),
    urls: z.array(z.string()).optional(),
    annotations: annotations.optional(),
    artifactType: mediaType.optional(),
    platform: z.object({ os: z.string(), architecture: z.string(), variant: z.string().optional() }).passthrough().optional(),
}).passthrough();

export type Descriptor = z.infer<typeof descriptorShape>;

const imageShape = z.object({
    schemaVersion: z.literal(2),
    mediaType: mediaType.optional(),
    artifactType: mediaType.optional(),
    config: descriptorShape,
    layers: z.array(descriptorShape),
    subject: descriptorShape.optional(),
    annotations: annotations.optional(),
}).passthrough();

const indexShape = z.object({
    schemaVersion: z.literal(2),
    mediaType: mediaType.optional(),
    artifactType: mediaType.optional(),
    manifests: z.array(descriptorShape),
    subject: descriptorShape.optional(),
    annotations: annotations.optional(),
}).passthrough();

export interface ParsedManifest {
    readonly kind: 'image' | 'index';
    readonly mediaType: string;
    readonly config?: Descriptor;
    readonly layers?: readonly Descriptor[];
    readonly manifests?: readonly Descriptor[];
    readonly subject?: Descriptor;
    readonly artifactType?: string;
    readonly annotations?: Record<string, string>;
}

/**
 * Reads a pushed manifest: an OCI image manifest or index, a Docker v2 manifest or manifest
 * list. Its type is the document's `mediaType`, else the request's Content-Type (parameters
 * ignored, as the spec says); the two must agree when both are given. Anything else is
 * MANIFEST_INVALID, with the reason.
 */
export function parseManifest(bytes: Buffer, contentType: string | undefined): ParsedManifest {
    const invalid = (reason: string) => new DistributionError(400, 'MANIFEST_INVALID', `manifest invalid: ${reason}`);
    let json: unknown;
    try {
        json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch {
        throw invalid('not UTF-8 JSON');
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw invalid('not a JSON object');
    const declared = (json as { mediaType?: unknown }).mediaType;
    const header = contentType?.split(';')[0]?.trim().toLowerCase();
    if (typeof declared === 'string' && header && header !== declared && header !== 'application/json' && header !== 'application/octet-stream') {
        throw invalid(`Content-Type ${header} differs from the manifest's mediaType ${declared}`);
    }
    const type = typeof declared === 'string' ? declared : header;
    if (!type || (!IMAGE_TYPES.has(type) && !INDEX_TYPES.has(type))) {
        throw invalid(`unsupported manifest media type ${JSON.stringify(type ?? '(none)')}; expected an OCI image manifest or index, or a Docker v2 manifest or manifest list`);
    }
    if (IMAGE_TYPES.has(type)) {
        const parsed = imageShape.safeParse(json);
        if (!parsed.success) throw invalid(zodReason(parsed.error));
        const m = parsed.data;
        return {
            kind: 'image',
            mediaType: type,
            config: m.config,
            layers: m.layers,
            ...(m.subject ? { subject: m.subject } : {}),
            ...(m.artifactType ? { artifactType: m.artifactType } : {}),
            ...(m.annotations ? { annotations: m.annotations } : {}),
        };
    }
    const parsed = indexShape.safeParse(json);
    if (!parsed.success) throw invalid(zodReason(parsed.error));
    const m = parsed.data;
    return {
        kind: 'index',
        mediaType: type,
        manifests: m.manifests,
        ...(m.subject ? { subject: m.subject } : {}),
        ...(m.artifactType ? { artifactType: m.artifactType } : {}),
        ...(m.annotations ? { annotations: m.annotations } : {}),
    };
}

function zodReason(error: z.ZodError): string {
    const issue = error.issues[0];
    return issue ? `${issue.path.join('.') || '(document)'}: ${issue.message}` : 'invalid document';
}
