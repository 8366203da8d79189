/**
 * Media types acr-guard recognises in manifests (OCI image-spec 1.1, Docker Registry HTTP API v2
 * schema 2, Helm, Notary Project, Sigstore/cosign, in-toto, SPDX/CycloneDX). Anything else is an
 * "other artifact": recorded, never promoted unjudged.
 */
export const MEDIA_TYPES = {
    ociManifest: 'application/vnd.oci.image.manifest.v1+json',
    ociIndex: 'application/vnd.oci.image.index.v1+json',
    dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
    dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
    ociImageConfig: 'application/vnd.oci.image.config.v1+json',
    dockerImageConfig: 'application/vnd.docker.container.image.v1+json',
    ociEmpty: 'application/vnd.oci.empty.v1+json',
    helmConfig: 'application/vnd.cncf.helm.config.v1+json',
    helmChartContent: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip',
    /** ACR's legacy Helm repositories (`ChartPushed` events). */
    acrHelmChart: 'application/vnd.acr.helm.chart',
    notarySignature: 'application/vnd.cncf.notary.signature',
    cosignSimpleSigning: 'application/vnd.dev.cosign.simplesigning.v1+json',
    dsseEnvelope: 'application/vnd.dsse.envelope.v1+json',
    inToto: 'application/vnd.in-toto+json',
} as const;

export const IMAGE_MANIFEST_TYPES: ReadonlySet<string> = new Set([MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest]);
export const INDEX_TYPES: ReadonlySet<string> = new Set([MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerManifestList]);
/** Config media types of a runnable container image. */
export const IMAGE_CONFIG_TYPES: ReadonlySet<string> = new Set([MEDIA_TYPES.ociImageConfig, MEDIA_TYPES.dockerImageConfig]);

/** Sigstore bundles (cosign 2.x with OCI 1.1 referrers): both spellings the bundle spec has used. */
export const isSigstoreBundle = (mediaType: string) => mediaType.startsWith('application/vnd.dev.sigstore.bundle');

/** SBOM documents as pushed by `cosign attach sbom`, `oras attach`, `docker buildx` (SPDX, CycloneDX, Syft). */
export function isSbomType(mediaType: string): boolean {
    const t = mediaType.toLowerCase();
    return t.startsWith('text/spdx') || t.includes('spdx+json') || t.includes('cyclonedx') || t.includes('vnd.syft') || t.includes('.sbom');
}

/** Layers that are attestations: in-toto statements (buildx) or DSSE envelopes (cosign attest). */
export const isAttestationLayerType = (mediaType: string) => mediaType === MEDIA_TYPES.inToto || mediaType === MEDIA_TYPES.dsseEnvelope;

/** buildx's index annotations for an attestation manifest and the image it is about. */
export const BUILDX_REFERENCE_TYPE = 'vnd.docker.reference.type';
export const BUILDX_REFERENCE_DIGEST = 'vnd.docker.reference.digest';
export const BUILDX_ATTESTATION_MANIFEST = 'attestation-manifest';

/**
 * What an event's `target.mediaType` says was pushed, before the manifest is read: lets intake send an
 * index down the per-child path and recognise blob and legacy chart events. `unknown` (including an
 * absent media type) means "read the manifest to know"; it never means "image".
 */
export function mediaTypeShape(mediaType: string | null): 'manifest' | 'index' | 'helm-legacy' | 'blob' | 'unknown' {
    if (mediaType === null) return 'unknown';
    const type = mediaType.split(';')[0]!.trim().toLowerCase();
    if (IMAGE_MANIFEST_TYPES.has(type)) return 'manifest';
    if (INDEX_TYPES.has(type)) return 'index';
    if (type === MEDIA_TYPES.acrHelmChart) return 'helm-legacy';
    if (/^application\/vnd\.(oci\.image\.layer\.|docker\.image\.rootfs\.|docker\.container\.image\.rootfs\.)/.test(type) || IMAGE_CONFIG_TYPES.has(type)) return 'blob';
    return 'unknown';
}
