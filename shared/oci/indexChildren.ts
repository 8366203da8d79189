import type { ImageIndex } from './manifest';
import { BUILDX_ATTESTATION_MANIFEST, BUILDX_REFERENCE_DIGEST, BUILDX_REFERENCE_TYPE, IMAGE_MANIFEST_TYPES, INDEX_TYPES } from './mediaTypes';
import { formatPlatform } from './platform';

/** A platform image of an index: scanned by its own digest. */
export interface IndexImageChild {
    readonly digest: string;
    readonly mediaType: string;
    /** `os/arch[/variant]`, null when the entry names no (valid) platform. */
    readonly platform: string | null;
}

/** A buildx attestation manifest: recorded with the image it describes, not scanned as an image. */
export interface IndexAttestationChild {
    readonly digest: string;
    /** The image child it is about (`vnd.docker.reference.digest`). */
    readonly describes: string;
}

/** A child acr-guard cannot judge: the index can then never pass. */
export interface IndexUnsupportedChild {
    readonly digest: string;
    readonly mediaType: string;
    readonly reason: string;
}

export interface IndexPlan {
    readonly images: readonly IndexImageChild[];
    readonly attestations: readonly IndexAttestationChild[];
    readonly unsupported: readonly IndexUnsupportedChild[];
}

/**
 * Splits an index's children into what to scan, what to record, and what cannot be judged.
 * - Image manifests (OCI or Docker) are platform images: each is scanned by its digest.
 * - buildx attestation entries (`platform: unknown/unknown`, annotation
 *   `vnd.docker.reference.type: attestation-manifest`) are recorded, not scanned, but only when they
 *   describe an image child of this same index; an entry that only claims to be one (a real
 *   platform, or pointing elsewhere) is not trusted and makes the index unjudgeable. Before
 *   promotion the pipeline still fetches each attestation manifest and checks that classifyManifest
 *   says `attestation` (promotion copies it along with the index).
 * - Children that declare an `artifactType`, nested indexes and any other media type are unsupported: the index cannot pass (fail closed).
 */
export function planIndex(index: ImageIndex): IndexPlan {
    const imageDigests = new Set(
        index.manifests.filter((d) => IMAGE_MANIFEST_TYPES.has(d.mediaType) && d.annotations?.[BUILDX_REFERENCE_TYPE] !== BUILDX_ATTESTATION_MANIFEST).map((d) => d.digest),
    );
    const images: IndexImageChild[] = [];
    const attestations: IndexAttestationChild[] = [];
    const unsupported: IndexUnsupportedChild[] = [];
    for (const child of index.manifests) {
        if (INDEX_TYPES.has(child.mediaType)) {
            unsupported.push({ digest: child.digest, mediaType: child.mediaType, reason: 'a nested index is not judged' });
            continue;
        }
        if (!IMAGE_MANIFEST_TYPES.has(child.mediaType)) {
            unsupported.push({ digest: child.digest, mediaType: child.mediaType, reason: `child media type ${JSON.stringify(child.mediaType.slice(0, 100))} is not an image manifest` });
            continue;
        }
        if (child.artifactType) {
            // An index of artifacts (e.g. a referrers list pushed as a manifest) has no platform images to scan.
            unsupported.push({ digest: child.digest, mediaType: child.mediaType, reason: `child is an artifact (${JSON.stringify(child.artifactType.slice(0, 100))}), not a platform image` });
            continue;
        }
        if (child.annotations?.[BUILDX_REFERENCE_TYPE] === BUILDX_ATTESTATION_MANIFEST) {
            const describes = child.annotations[BUILDX_REFERENCE_DIGEST];
            const unknownPlatform = !child.platform || (child.platform.os === 'unknown' && child.platform.architecture === 'unknown');
            if (unknownPlatform && describes !== undefined && imageDigests.has(describes)) {
                attestations.push({ digest: child.digest, describes });
            } else {
                unsupported.push({
                    digest: child.digest,
                    mediaType: child.mediaType,
                    reason: unknownPlatform ? 'attestation entry describes no image of this index' : 'attestation entry names a real platform: not trusted as an attestation',
                });
            }
            continue;
        }
        images.push({ digest: child.digest, mediaType: child.mediaType, platform: child.platform ? formatPlatform(child.platform) : null });
    }
    return { images, attestations, unsupported };
}
