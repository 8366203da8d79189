import { isRestError } from '@azure/core-rest-pipeline';
import { z } from 'zod';
import { assertValid, checkDigest, checkRepository, checkTag } from '../oci/reference';
import type { AcrConnection } from './acrConnection';
import { toRegistryError } from './restErrors';
import {
    RegistryError,
    type ImportByDigestRequest,
    type LockResult,
    type ManifestInfo,
    type Platform,
    type Registry,
    type TagInfo,
} from './registry';
import { errorMessage } from '../errors/errorMessage';

export interface AcrRegistryOptions {
    /** Page size for catalog and tag listings (ACR serves at most 100 per page by default). */
    readonly pageSize?: number;
    /** Poll interval of the import's long-running operation when ACR sends no Retry-After. */
    readonly importPollIntervalMs?: number;
}

const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);

const platformSchema = z.object({ os: z.string().min(1), architecture: z.string().min(1), variant: z.string().optional() });
const indexSchema = z.object({
    manifests: z.array(z.object({ digest: z.string(), platform: platformSchema.partial().optional() })),
});
const imageManifestSchema = z.object({ config: z.object({ digest: z.string() }) });
const configSchema = z.object({ os: z.string().min(1), architecture: z.string().min(1), variant: z.string().optional() });

/**
 * The Registry port over ACR: promotion through ARM `importImage` (management plane, so the digest
 * is preserved and no image bytes pass through the function), everything else through the data
 * plane with `@azure/container-registry`.
 */
export class AcrRegistry implements Registry {
    private readonly pageSize: number;
    private readonly importPollIntervalMs: number;

    constructor(private readonly acr: AcrConnection, options: AcrRegistryOptions = {}) {
        this.pageSize = options.pageSize ?? 100;
        this.importPollIntervalMs = options.importPollIntervalMs ?? 2000;
    }

    async importByDigest(request: ImportByDigestRequest): Promise<void> {
        validate(() => {
            assertValid(checkRepository(request.sourceRepository));
            assertValid(checkDigest(request.digest));
            assertValid(checkRepository(request.targetRepository));
            assertValid(checkTag(request.targetTag));
        });
        if (request.mode !== 'Force' && request.mode !== 'NoForce') throw new RegistryError('invalid-input', `import mode must be Force or NoForce`);
        const { resourceGroup, registryName, id } = this.acr.registry;
        const operation = `importImage ${request.sourceRepository}@${request.digest} -> ${request.targetRepository}:${request.targetTag}`;
        let poller;
        try {
            poller = await this.acr.arm.registries.beginImportImage(
                resourceGroup,
                registryName,
                {
                    // Same registry: the source is the registry's own resource id, addressed by digest.
                    source: { resourceId: id, sourceImage: `${request.sourceRepository}@${request.digest}` },
                    targetTags: [`${request.targetRepository}:${request.targetTag}`],
                    mode: request.mode,
                },
                { updateIntervalInMs: this.importPollIntervalMs },
            );
            await poller.pollUntilDone();
        } catch (err) {
            // A failure reported in the operation's status body (not as an HTTP error) leaves the
            // poller in state "failed"; its error carries ACR's code and message for people.
            const state = poller?.getOperationState();
            if (!isRestError(err) && state?.status === 'failed') {
                throw new RegistryError('import-failed', `${operation} failed: ${state.error?.message ?? 'the long-running operation failed'}`, { operation }, { cause: err });
            }
            throw toRegistryError(err, operation);
        }
        await this.confirmImport(request, operation);
    }

    /**
     * The SDK polls importImage's Location in "resource location" mode, where only the HTTP status
     * counts: a 200 poll whose body says Failed would read as success. So the promotion is confirmed
     * by reading the target tag back and comparing digests; anything else fails closed.
     */
    private async confirmImport(request: ImportByDigestRequest, operation: string): Promise<void> {
        let digest: string;
        try {
            digest = (await this.acr.dataPlane.getArtifact(request.targetRepository, request.targetTag).getTagProperties(request.targetTag)).digest;
        } catch (err) {
            const mapped = toRegistryError(err, `${operation}: confirm target tag`);
            if (mapped.code === 'not-found') throw new RegistryError('import-failed', `${operation} reported success but the target tag does not exist`, { operation }, { cause: err });
            throw mapped;
        }
        if (digest !== request.digest) {
            throw new RegistryError('import-failed', `${operation} reported success but the target tag points at ${digest}`, { operation });
        }
    }

    async listRepositories(): Promise<string[]> {
        const names: string[] = [];
        try {
            for await (const page of this.acr.dataPlane.listRepositoryNames().byPage({ maxPageSize: this.pageSize })) {
                names.push(...page);
            }
        } catch (err) {
            throw toRegistryError(err, 'list repositories');
        }
        return names;
    }

    async listTags(repository: string): Promise<TagInfo[]> {
        validate(() => assertValid(checkRepository(repository)));
        const tags: TagInfo[] = [];
        try {
            // listTagProperties lists every tag of the repository (GET /acr/v1/{name}/_tags, no digest
            // filter); the artifact reference it hangs off is not used by that call.
            const pages = this.acr.dataPlane.getArtifact(repository, 'latest').listTagProperties().byPage({ maxPageSize: this.pageSize });
            for await (const page of pages) {
                for (const t of page) tags.push({ name: t.name, digest: t.digest, createdOn: t.createdOn, lastUpdatedOn: t.lastUpdatedOn });
            }
        } catch (err) {
            throw toRegistryError(err, `list tags of ${repository}`);
        }
        return tags;
    }

    async getManifest(repository: string, reference: string): Promise<ManifestInfo> {
        validate(() => {
            assertValid(checkRepository(repository));
            if (!checkDigest(reference).ok) assertValid(checkTag(reference));
        });
        const operation = `get manifest ${repository}${reference.includes(':') ? '@' : ':'}${reference}`;
        const content = this.acr.content(repository);
        try {
            // The content client checks the manifest bytes against the digest.
            const result = await content.getManifest(reference);
            const document: unknown = JSON.parse(result.content.toString('utf8'));
            const mediaType = result.mediaType;
            if (INDEX_TYPES.has(mediaType)) {
                const index = parseShape(indexSchema, document, operation);
                const platforms: Platform[] = index.manifests
                    .filter((m) => m.platform?.os && m.platform.architecture && m.platform.os !== 'unknown')
                    .map((m) => ({ os: m.platform!.os!, architecture: m.platform!.architecture!, ...(m.platform?.variant ? { variant: m.platform.variant } : {}) }));
                return { repository, digest: result.digest, mediaType, isIndex: true, platforms, children: index.manifests.map((m) => m.digest) };
            }
            const manifest = parseShape(imageManifestSchema, document, operation);
            const blob = await content.downloadBlob(manifest.config.digest);
            const config = parseShape(configSchema, JSON.parse((await readAll(blob.content)).toString('utf8')), `${operation} config`);
            return {
                repository,
                digest: result.digest,
                mediaType,
                isIndex: false,
                platforms: [{ os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) }],
                children: [],
            };
        } catch (err) {
            throw toRegistryError(err, operation);
        }
    }

    /**
     * Locks a bypassing image. readEnabled=false blocks pulls; writeEnabled=false keeps the tag from
     * being moved or overwritten (so the evidence stays and nobody "fixes" it by re-pushing under the
     * same name before review); deleteEnabled=false keeps it from being deleted before someone looks.
     * listEnabled stays true so the locked image remains visible to inventories and reviewers.
     * Tag and manifest attributes are separate in ACR, so both are locked; for an index, every child
     * manifest too (a client could pull a child by digest). Unlocking is a deliberate act by a person.
     */
    async lockImage(repository: string, digest: string, tag?: string): Promise<LockResult> {
        validate(() => {
            assertValid(checkRepository(repository));
            assertValid(checkDigest(digest));
            if (tag !== undefined) assertValid(checkTag(tag));
        });
        const locked = { canRead: false, canWrite: false, canDelete: false };
        const manifest = await this.getManifest(repository, digest);
        const children = manifest.children;
        try {
            for (const d of [digest, ...children]) {
                await this.acr.dataPlane.getArtifact(repository, d).updateManifestProperties(locked);
            }
            if (tag !== undefined) await this.acr.dataPlane.getArtifact(repository, digest).updateTagProperties(tag, locked);
        } catch (err) {
            throw toRegistryError(err, `lock ${repository}@${digest}`);
        }
        return { repository, digest, ...(tag !== undefined ? { tag } : {}) };
    }
}

function validate(check: () => void): void {
    try {
        check();
    } catch (err) {
        throw new RegistryError('invalid-input', errorMessage(err));
    }
}

function parseShape<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new RegistryError('unexpected-response', `${what}: unexpected document: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    return parsed.data;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return Buffer.concat(chunks);
}
