/**
 * The manifest-reader port: a manifest's bytes exactly as the registry stores them, with the
 * content type it was served with, by repository and digest. The scan pipeline parses them with
 * parseManifest (manifest.ts) and classifies them (artifactKind.ts) before deciding what to scan;
 * the ACR adapter is shared/registry/acrManifestReader.ts.
 */
export interface RawManifest {
    readonly digest: string;
    /** The response's media type (parseManifest uses it when the document has no `mediaType`). */
    readonly contentType: string;
    /** The bytes, verified against `digest` by the adapter. */
    readonly bytes: Buffer;
}

export interface ManifestReader {
    /** Throws RegistryError (`not-found`, `invalid-input`, …) from shared/registry/registry.ts. */
    read(repository: string, digest: string): Promise<RawManifest>;
}
