import { z } from 'zod';
import { formatIssues } from '../validation/issuePath';
import { IMAGE_MANIFEST_TYPES, INDEX_TYPES, MEDIA_TYPES } from './mediaTypes';
import { isDigest } from './reference';
import { AcrGuardError } from '../errors/acrGuardError';
import { errorMessage } from '../errors/errorMessage';

/*
 * Parsing of the four manifest shapes a registry holds: OCI image manifest and OCI image index
 * (image-spec 1.1, with `artifactType` and `subject`), Docker image manifest v2 schema 2 and Docker
 * manifest list. Pure: bytes in, a typed value or a ManifestError with every problem's path out.
 *
 * Bounds (a hostile pusher controls every byte): the document is at most MAX_MANIFEST_BYTES (4 MiB,
 * the limit of the distribution spec's reference registry and of ACR); an index lists at most
 * MAX_INDEX_CHILDREN children (each child becomes a scan); an image at most MAX_LAYERS layers;
 * annotations at most MAX_ANNOTATIONS entries. Digests must pass the OCI digest grammar, since they
 * later reach task values, table keys and URLs. Unknown fields are ignored (the specs allow them).
 * Schema 1 manifests (signed, deprecated since 2017; ACR refuses new pushes) are rejected.
 */

export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
export const MAX_INDEX_CHILDREN = 256;
export const MAX_LAYERS = 1024;
export const MAX_ANNOTATIONS = 256;
const MAX_TEXT = 1024;
const MAX_ANNOTATION_VALUE = 64 * 1024;

const mediaType = z.string().min(1).max(MAX_TEXT);
const digest = z.string().refine(isDigest, { error: 'expected a digest such as "sha256:<64 hex digits>"' });
const annotations = z
    .record(z.string().max(MAX_TEXT), z.string().max(MAX_ANNOTATION_VALUE))
    .refine((a) => Object.keys(a).length <= MAX_ANNOTATIONS, { error: `expected at most ${MAX_ANNOTATIONS} annotations` });

export const platformSchema = z.object({
    architecture: z.string().max(MAX_TEXT),
    os: z.string().max(MAX_TEXT),
    variant: z.string().max(MAX_TEXT).nullish(),
    'os.version': z.string().max(MAX_TEXT).nullish(),
});

export const descriptorSchema = z.object({
    mediaType,
    digest,
    size: z.number().int().nonnegative(),
    artifactType: mediaType.nullish(),
    annotations: annotations.nullish(),
    platform: platformSchema.nullish(),
});
export type Descriptor = z.infer<typeof descriptorSchema>;

const imageManifestSchema = z.object({
    schemaVersion: z.literal(2, { error: 'expected schemaVersion 2' }),
    mediaType: z.enum([MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest]).optional(),
    artifactType: mediaType.nullish(),
    config: descriptorSchema,
    layers: z.array(descriptorSchema).max(MAX_LAYERS, { error: `expected at most ${MAX_LAYERS} layers` }).default([]),
    subject: descriptorSchema.nullish(),
    annotations: annotations.nullish(),
});

const indexSchema = z.object({
    schemaVersion: z.literal(2, { error: 'expected schemaVersion 2' }),
    mediaType: z.enum([MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerManifestList]).optional(),
    artifactType: mediaType.nullish(),
    manifests: z.array(descriptorSchema).max(MAX_INDEX_CHILDREN, { error: `expected at most ${MAX_INDEX_CHILDREN} child manifests` }),
    subject: descriptorSchema.nullish(),
    annotations: annotations.nullish(),
});

interface ManifestBase {
    /** The document's media type: its `mediaType` field, else the Content-Type it was served with. */
    readonly mediaType: string;
    readonly artifactType: string | null;
    /** The manifest this one refers to (OCI 1.1 referrers: signatures, SBOMs, attestations), null if none. */
    readonly subject: Descriptor | null;
    readonly annotations: Readonly<Record<string, string>>;
}

export interface ImageManifest extends ManifestBase {
    readonly shape: 'manifest';
    readonly config: Descriptor;
    readonly layers: readonly Descriptor[];
}

export interface ImageIndex extends ManifestBase {
    readonly shape: 'index';
    readonly manifests: readonly Descriptor[];
}

export type Manifest = ImageManifest | ImageIndex;

export class ManifestError extends AcrGuardError {
    constructor(
        message: string,
        readonly problems: readonly string[] = [],
    ) {
        super(problems.length === 0 ? message : `${message}:\n  ${problems.join('\n  ')}`, { code: 'invalid-manifest', retryable: false });
    }
}

/**
 * Parses manifest bytes as served by the registry. `contentType` (the response's Content-Type) is
 * used when the document has no `mediaType` field (allowed by OCI); when both are present they must
 * agree, or the document is refused (a manifest that claims two shapes is not guessed at).
 */
export function parseManifest(bytes: string | Uint8Array, contentType: string | null = null, source = 'manifest'): Manifest {
    const length = typeof bytes === 'string' ? Buffer.byteLength(bytes, 'utf8') : bytes.byteLength;
    if (length > MAX_MANIFEST_BYTES) throw new ManifestError(`${source} is ${length} bytes, more than the ${MAX_MANIFEST_BYTES} bytes a manifest may have`);
    let value: unknown;
    try {
        value = JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
    } catch (err) {
        throw new ManifestError(`${source} is not JSON: ${errorMessage(err)}`);
    }
    return parseManifestValue(value, contentType, source);
}

/** Validates an already-parsed JSON value (see {@link parseManifest}). */
export function parseManifestValue(value: unknown, contentType: string | null = null, source = 'manifest'): Manifest {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ManifestError(`${source} is not a manifest: expected a JSON object`);
    const record = value as Record<string, unknown>;
    const declared = typeof record['mediaType'] === 'string' ? (record['mediaType'] as string) : null;
    const served = contentType?.split(';')[0]?.trim().toLowerCase() || null;
    if (declared !== null && served !== null && declared !== served && (IMAGE_MANIFEST_TYPES.has(served) || INDEX_TYPES.has(served))) {
        throw new ManifestError(`${source} says it is ${declared} but was served as ${served}`);
    }
    if (record['schemaVersion'] === 1) throw new ManifestError(`${source} is a Docker schema 1 manifest, which is not supported (deprecated; push it again with a current client)`);
    const mediaTypeOf = declared ?? served ?? ('manifests' in record ? MEDIA_TYPES.ociIndex : 'config' in record ? MEDIA_TYPES.ociManifest : null);
    if (mediaTypeOf === null) throw new ManifestError(`${source} has no mediaType and neither config nor manifests: not a manifest`);

    if (INDEX_TYPES.has(mediaTypeOf)) {
        const parsed = indexSchema.safeParse(record);
        if (!parsed.success) throw new ManifestError(`${source} is not a valid ${mediaTypeOf}`, formatIssues(parsed.error.issues));
        const d = parsed.data;
        return { shape: 'index', mediaType: mediaTypeOf, artifactType: d.artifactType ?? null, subject: d.subject ?? null, annotations: d.annotations ?? {}, manifests: d.manifests };
    }
    if (IMAGE_MANIFEST_TYPES.has(mediaTypeOf)) {
        const parsed = imageManifestSchema.safeParse(record);
        if (!parsed.success) throw new ManifestError(`${source} is not a valid ${mediaTypeOf}`, formatIssues(parsed.error.issues));
        const d = parsed.data;
        return {
            shape: 'manifest',
            mediaType: mediaTypeOf,
            artifactType: d.artifactType ?? null,
            subject: d.subject ?? null,
            annotations: d.annotations ?? {},
            config: d.config,
            layers: d.layers,
        };
    }
    throw new ManifestError(`${source} has media type ${JSON.stringify(mediaTypeOf.slice(0, 100))}, which is not an image manifest or index`);
}
