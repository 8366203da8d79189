import type { Descriptor, Manifest } from './manifest';
import { IMAGE_CONFIG_TYPES, isAttestationLayerType, isSbomType, isSigstoreBundle, MEDIA_TYPES } from './mediaTypes';

/** What a manifest is, for the gate. See docs/artifacts.md for what happens to each kind. */
export type ArtifactKind = 'image' | 'index' | 'helm-chart' | 'signature' | 'sbom' | 'attestation' | 'artifact';

export interface ArtifactClassification {
    readonly kind: ArtifactKind;
    /** `artifactType`, else the config media type when it is not an image config or the empty config; null for plain images and indexes. */
    readonly artifactType: string | null;
    /** The manifest this one refers to (a referrer), null when it has none. */
    readonly subject: Descriptor | null;
    /** Why this kind, for logs and recorded rows. */
    readonly why: string;
}

/** A layer that is a file system tarball (OCI and Docker layer types, compressed or not, foreign or not). */
const isFilesystemLayer = (layer: Descriptor) => /^application\/vnd\.(oci\.image\.layer\.|docker\.image\.rootfs\.)/.test(layer.mediaType);

const every = (layers: readonly Descriptor[], test: (mediaType: string) => boolean) => layers.length > 0 && layers.every((l) => test(l.mediaType));

/**
 * Classifies a parsed manifest. Order matters and fails closed: anything runnable (an image config
 * with file system layers) is an image whatever else it claims, so a hostile pusher cannot label a
 * runnable image "signature" or "attestation" to have it follow a subject unscanned. Only then do the
 * declared types count: Notary signatures (artifactType or legacy config media type), Sigstore/cosign
 * signatures and attestations, in-toto/DSSE attestations (buildx, `cosign attest`), SBOMs, Helm charts.
 */
export function classifyManifest(manifest: Manifest): ArtifactClassification {
    const subject = manifest.subject;
    if (manifest.shape === 'index') {
        // An index is judged through its children, whatever its artifactType or subject says.
        return { kind: 'index', artifactType: manifest.artifactType, subject, why: `${manifest.mediaType} with ${manifest.manifests.length} child manifest(s)` };
    }
    const configType = manifest.config.mediaType;
    const imageConfig = IMAGE_CONFIG_TYPES.has(configType);
    const artifactType = manifest.artifactType ?? (imageConfig || configType === MEDIA_TYPES.ociEmpty ? null : configType);
    const layers = manifest.layers;
    const result = (kind: ArtifactKind, why: string): ArtifactClassification => ({ kind, artifactType, subject, why });

    if (imageConfig && layers.some(isFilesystemLayer)) return result('image', `image config ${configType} with file system layers`);
    if (artifactType === MEDIA_TYPES.notarySignature) return result('signature', 'Notary Project signature');
    if (artifactType !== null && isSigstoreBundle(artifactType)) {
        // cosign 2.x stores signatures and attestations alike as bundles; the predicate type tells them apart.
        const predicate = manifest.annotations['dev.sigstore.bundle.predicateType'];
        return predicate ? result('attestation', `Sigstore bundle with predicate ${predicate}`) : result('signature', 'Sigstore bundle');
    }
    if (every(layers, (t) => t === MEDIA_TYPES.cosignSimpleSigning)) return result('signature', 'cosign simple signing payload');
    if ((artifactType !== null && isAttestationLayerType(artifactType)) || every(layers, isAttestationLayerType)) return result('attestation', 'in-toto / DSSE attestation');
    if ((artifactType !== null && isSbomType(artifactType)) || every(layers, isSbomType)) return result('sbom', 'SBOM document');
    if (configType === MEDIA_TYPES.helmConfig || layers.some((l) => l.mediaType === MEDIA_TYPES.helmChartContent)) return result('helm-chart', 'Helm chart (OCI)');
    if (imageConfig && artifactType === null) return result('image', `image config ${configType} without file system layers`);
    return result('artifact', `artifact of type ${artifactType ?? configType}`);
}
