/**
 * OCI content descriptors (image-spec descriptor.md): the one shape every signed subject, layer and
 * referrer is named by. A digest is always checked against the OCI grammar and against the bytes.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { checkDigest } from '../oci/reference';

export interface OciDescriptor {
    mediaType: string;
    digest: string;
    size: number;
    artifactType?: string;
    annotations?: Record<string, string>;
    data?: string;
}

const mediaType = z.string().min(1).max(255).regex(/^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*(?:;.*)?$/, 'not a media type');
const digest = z.string().refine((value) => checkDigest(value).ok, 'not a valid sha256 or sha512 digest');

export const descriptorSchema = z.object({
    mediaType,
    digest,
    size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    artifactType: mediaType.optional(),
    annotations: z.record(z.string(), z.string()).optional(),
    data: z.string().optional(),
    urls: z.array(z.string()).optional(),
    platform: z.unknown().optional(),
});

/** The digest of some bytes in the algorithm a digest names (sha256 unless told otherwise). */
export function digestOf(bytes: Uint8Array, algorithm: 'sha256' | 'sha512' = 'sha256'): string {
    return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** True when the bytes are exactly what the digest names (the algorithm is taken from the digest). */
export function bytesMatchDigest(bytes: Uint8Array, expected: string): boolean {
    const algorithm = expected.startsWith('sha512:') ? 'sha512' : 'sha256';
    return checkDigest(expected).ok && digestOf(bytes, algorithm) === expected;
}

/** The descriptor of some bytes. */
export function describe(bytes: Uint8Array, mediaTypeOfBytes: string): OciDescriptor {
    return { mediaType: mediaTypeOfBytes, digest: digestOf(bytes), size: bytes.byteLength };
}

/**
 * Why two descriptors do not name the same content, or null when they do: digest, size and media
 * type must all agree (signature-specification.md "Payload": the descriptor MUST contain all three).
 */
export function descriptorMismatch(actual: Pick<OciDescriptor, 'mediaType' | 'digest' | 'size'>, expected: Pick<OciDescriptor, 'mediaType' | 'digest' | 'size'>): string | null {
    if (actual.digest !== expected.digest) return `digest ${actual.digest} is not the subject's ${expected.digest}`;
    if (actual.size !== expected.size) return `size ${actual.size} is not the subject's ${expected.size}`;
    if (actual.mediaType !== expected.mediaType) return `media type ${actual.mediaType} is not the subject's ${expected.mediaType}`;
    return null;
}
