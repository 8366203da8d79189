/**
 * Media types, artifact types and annotation keys of the Notary Project signature and of the
 * evidence referrers, each named where it is defined.
 */

/** OCI image-spec v1.1 manifest.md: the manifest every referrer we push is. */
export const OCI_IMAGE_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
/** OCI image-spec v1.1 image-index.md: the body of a referrers API response. */
export const OCI_IMAGE_INDEX = 'application/vnd.oci.image.index.v1+json';
/** OCI image-spec v1.1 manifest.md "Guidance for an Empty Descriptor": the config of an artifact. */
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
/** The two-byte `{}` blob of the empty descriptor and its digest (the same constant in every registry). */
export const OCI_EMPTY_CONTENT = '{}';
export const OCI_EMPTY_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';

/** signature-specification.md "Storage": artifactType (and, legacy, config.mediaType) of a signature manifest. */
export const NOTARY_SIGNATURE_ARTIFACT_TYPE = 'application/vnd.cncf.notary.signature';
/** signature-specification.md "Payload": the payload's content type (`cty` in JWS, label 3 in COSE). */
export const NOTARY_PAYLOAD_CONTENT_TYPE = 'application/vnd.cncf.notary.payload.v1+json';
/** signature-envelope-jws.md "OCI Signature Storage" and signature-envelope-cose.md "OCI Signature Storage". */
export const JWS_ENVELOPE = 'application/jose+json';
export const COSE_ENVELOPE = 'application/cose';
/** signature-specification.md "Storage", annotations: SHA-256 fingerprints of the x5c chain, leaf first. */
export const NOTARY_THUMBPRINT_ANNOTATION = 'io.cncf.notary.x509chain.thumbprint#S256';

/** Sigstore bundle media types (sigstore/protobuf-specs `bundle.proto`), as cosign pushes them as referrers. */
export const SIGSTORE_BUNDLE_ARTIFACT_TYPES = [
    'application/vnd.dev.sigstore.bundle.v0.3+json',
    'application/vnd.dev.sigstore.bundle+json;version=0.3',
    'application/vnd.dev.sigstore.bundle+json;version=0.2',
    'application/vnd.dev.sigstore.bundle+json;version=0.1',
] as const;

/** Evidence referrers (issue 12): Trivy's SARIF report and CycloneDX SBOM of the same scan. */
export const SARIF_ARTIFACT_TYPE = 'application/sarif+json';
export const CYCLONEDX_ARTIFACT_TYPE = 'application/vnd.cyclonedx+json';

/** OCI image-spec annotations.md: creation time of the referrer, what a maximum-age check reads. */
export const OCI_CREATED_ANNOTATION = 'org.opencontainers.image.created';
