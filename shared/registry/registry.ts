/**
 * The narrow port through which acr-guard acts on its registry: promotion by digest, inventory,
 * manifest/platform inspection and locking. The ACR adapter is acrRegistry.ts.
 */

export type ImportMode = 'Force' | 'NoForce';
import { AcrGuardError } from '../errors/acrGuardError';

export interface ImportByDigestRequest {
    readonly sourceRepository: string;
    readonly digest: string;
    readonly targetRepository: string;
    readonly targetTag: string;
    /** NoForce fails when the target tag exists (ACR's default); Force moves it. */
    readonly mode: ImportMode;
}

export interface Platform {
    readonly os: string;
    readonly architecture: string;
    readonly variant?: string;
}

export interface ManifestInfo {
    readonly repository: string;
    readonly digest: string;
    readonly mediaType: string;
    /** True for an OCI index / Docker manifest list. */
    readonly isIndex: boolean;
    /** One entry for an image manifest (from its config blob), one per child for an index. */
    readonly platforms: readonly Platform[];
    /** For an index: the digests of its child manifests; empty for an image manifest. */
    readonly children: readonly string[];
}

export interface TagInfo {
    readonly name: string;
    readonly digest: string;
    readonly createdOn: Date;
    readonly lastUpdatedOn: Date;
}

export interface LockResult {
    readonly repository: string;
    readonly digest: string;
    /** The tag that was locked as well, when one was given. */
    readonly tag?: string;
}

export interface Registry {
    /** Imports `sourceRepository@digest` into `targetRepository:targetTag` in the same registry; resolves when the import has finished. */
    importByDigest(request: ImportByDigestRequest): Promise<void>;
    listRepositories(): Promise<string[]>;
    listTags(repository: string): Promise<TagInfo[]>;
    getManifest(repository: string, reference: string): Promise<ManifestInfo>;
    /** Blocks pulls, overwrites and deletion of the digest (and of the tag, when given). */
    lockImage(repository: string, digest: string, tag?: string): Promise<LockResult>;
}

export type RegistryErrorReason =
    | 'invalid-input'
    | 'not-found'
    | 'conflict'
    | 'unauthorized'
    | 'forbidden'
    | 'throttled'
    | 'import-failed'
    | 'unavailable'
    | 'unexpected-response';

/** A registry operation that failed, with a stable reason code to branch on. */
export class RegistryError extends AcrGuardError {
    declare readonly code: RegistryErrorReason;

    constructor(
        code: RegistryErrorReason,
        message: string,
        readonly details: { readonly statusCode?: number; readonly code?: string; readonly operation?: string } = {},
        options?: { cause?: unknown },
    ) {
        // Worth retrying later (host retry / next cycle): throttling and service outages.
        super(message, { code, retryable: code === 'throttled' || code === 'unavailable', cause: options?.cause });
    }
}
