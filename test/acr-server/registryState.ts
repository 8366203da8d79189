import { createHash, randomUUID } from 'node:crypto';

/**
 * The in-memory contents of the fake registry: repositories, manifests (real JSON documents whose
 * digests are the sha256 of their bytes, like a real registry), config blobs, tags and their
 * changeable attributes, and an event log of every operation so tests can assert what happened.
 */

export const MEDIA_TYPES = {
    dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
    dockerConfig: 'application/vnd.docker.container.image.v1+json',
    dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
    ociManifest: 'application/vnd.oci.image.manifest.v1+json',
    ociConfig: 'application/vnd.oci.image.config.v1+json',
    ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
    ociIndex: 'application/vnd.oci.image.index.v1+json',
    dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
} as const;

export interface ChangeableAttributes {
    deleteEnabled: boolean;
    writeEnabled: boolean;
    readEnabled: boolean;
    listEnabled: boolean;
}

export interface Platform {
    readonly os: string;
    readonly architecture: string;
}

export interface StoredManifest {
    readonly digest: string;
    readonly mediaType: string;
    /** The exact bytes served at /v2/{name}/manifests/{ref}. */
    readonly content: string;
    /** For an image manifest: its config's platform; for an index: undefined. */
    readonly platform?: Platform;
    readonly configMediaType?: string;
    /** For an index: the child manifests with their platforms. */
    readonly references?: ReadonlyArray<{ digest: string } & Platform>;
    readonly imageSize: number;
    readonly createdTime: string;
    lastUpdateTime: string;
    attributes: ChangeableAttributes;
}

export interface StoredTag {
    readonly name: string;
    digest: string;
    readonly createdTime: string;
    lastUpdateTime: string;
    attributes: ChangeableAttributes;
}

export type RegistryEvent =
    | { kind: 'push'; repository: string; digest: string; tags: string[] }
    | { kind: 'import'; repository: string; digest: string; tags: string[]; sourceRepository: string; mode: string }
    | { kind: 'attributes'; repository: string; target: 'manifest' | 'tag'; reference: string; digest: string; changed: Partial<ChangeableAttributes> };

export interface PutImageInput {
    readonly repository: string;
    readonly tags?: readonly string[];
    /** Defaults to linux/amd64. Ignored when `platforms` is given. */
    readonly os?: string;
    readonly architecture?: string;
    /** Docker v2 (default), OCI image manifest, or an OCI index (then `platforms` lists the children). */
    readonly mediaType?: typeof MEDIA_TYPES.dockerManifest | typeof MEDIA_TYPES.ociManifest | typeof MEDIA_TYPES.ociIndex;
    readonly platforms?: readonly Platform[];
}

const allEnabled = (): ChangeableAttributes => ({ deleteEnabled: true, writeEnabled: true, readEnabled: true, listEnabled: true });
const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

interface Repository {
    readonly manifests: Map<string, StoredManifest>;
    readonly tags: Map<string, StoredTag>;
}

export class RegistryState {
    readonly events: RegistryEvent[] = [];
    private readonly repositories = new Map<string, Repository>();
    /** Config blobs by digest (content-addressed, shared by all repositories like ACR's storage). */
    private readonly blobs = new Map<string, string>();

    constructor(private readonly now: () => Date = () => new Date()) {}

    /** Stores a new, unique image (and its config blob) and tags it; returns the manifest digest. */
    putImage(input: PutImageInput): string {
        const mediaType = input.mediaType ?? MEDIA_TYPES.dockerManifest;
        const repository = this.repository(input.repository, true);
        let top: StoredManifest;
        if (mediaType === MEDIA_TYPES.ociIndex) {
            const platforms = input.platforms && input.platforms.length > 0 ? input.platforms : [{ os: 'linux', architecture: 'amd64' }];
            const children = platforms.map((p) => this.imageManifest(MEDIA_TYPES.ociManifest, p));
            for (const child of children) repository.manifests.set(child.digest, child);
            const content = JSON.stringify({
                schemaVersion: 2,
                mediaType,
                manifests: children.map((c) => ({
                    mediaType: c.mediaType,
                    digest: c.digest,
                    size: Buffer.byteLength(c.content),
                    platform: { architecture: c.platform?.architecture, os: c.platform?.os },
                })),
            });
            top = this.stored({
                digest: sha256(content),
                mediaType,
                content,
                references: children.map((c) => ({ digest: c.digest, os: c.platform?.os ?? 'unknown', architecture: c.platform?.architecture ?? 'unknown' })),
                imageSize: children.reduce((n, c) => n + c.imageSize, 0),
            });
        } else {
            top = this.imageManifest(mediaType, { os: input.os ?? 'linux', architecture: input.architecture ?? 'amd64' });
        }
        repository.manifests.set(top.digest, top);
        const tags = [...(input.tags ?? [])];
        for (const tag of tags) this.setTag(repository, tag, top.digest);
        this.events.push({ kind: 'push', repository: input.repository, digest: top.digest, tags });
        return top.digest;
    }

    repositoryNames(): string[] {
        return [...this.repositories.keys()].sort();
    }

    tags(repository: string): StoredTag[] {
        return [...(this.repositories.get(repository)?.tags.values() ?? [])].sort((a, b) => a.name.localeCompare(b.name));
    }

    manifests(repository: string): StoredManifest[] {
        return [...(this.repositories.get(repository)?.manifests.values() ?? [])];
    }

    tag(repository: string, name: string): StoredTag | undefined {
        return this.repositories.get(repository)?.tags.get(name);
    }

    /** A manifest by digest, or by tag. */
    resolve(repository: string, reference: string): StoredManifest | undefined {
        const repo = this.repositories.get(repository);
        if (!repo) return undefined;
        const digest = reference.includes(':') ? reference : repo.tags.get(reference)?.digest;
        return digest ? repo.manifests.get(digest) : undefined;
    }

    tagsOf(repository: string, digest: string): string[] {
        return this.tags(repository).filter((t) => t.digest === digest).map((t) => t.name);
    }

    blob(digest: string): string | undefined {
        return this.blobs.get(digest);
    }

    /**
     * Copies a manifest (and its children) into another repository and points tags at it, as
     * ARM importImage does within one registry. NoForce refuses when any target tag exists.
     */
    importManifest(args: { sourceRepository: string; sourceReference: string; targets: ReadonlyArray<{ repository: string; tag?: string }>; mode: string }): { ok: true; digest: string } | { ok: false; code: string; message: string } {
        const source = this.resolve(args.sourceRepository, args.sourceReference);
        if (!source) {
            return { ok: false, code: 'SOURCE_NOT_FOUND', message: `The source image ${args.sourceRepository}${args.sourceReference.includes(':') ? '@' : ':'}${args.sourceReference} could not be found.` };
        }
        if (args.mode !== 'Force') {
            const existing = args.targets.find((t) => t.tag !== undefined && this.tag(t.repository, t.tag));
            if (existing) {
                return { ok: false, code: 'TAG_ALREADY_EXISTS', message: `Tag ${existing.repository}:${existing.tag} already exists in the target registry and mode is NoForce.` };
            }
        }
        const sourceRepo = this.repository(args.sourceRepository, false);
        for (const target of args.targets) {
            const repo = this.repository(target.repository, true);
            for (const child of source.references ?? []) {
                const stored = sourceRepo.manifests.get(child.digest);
                if (stored && !repo.manifests.has(stored.digest)) repo.manifests.set(stored.digest, this.copy(stored));
            }
            if (!repo.manifests.has(source.digest)) repo.manifests.set(source.digest, this.copy(source));
            if (target.tag !== undefined) this.setTag(repo, target.tag, source.digest);
            this.events.push({
                kind: 'import',
                repository: target.repository,
                digest: source.digest,
                tags: target.tag === undefined ? [] : [target.tag],
                sourceRepository: args.sourceRepository,
                mode: args.mode,
            });
        }
        return { ok: true, digest: source.digest };
    }

    updateManifestAttributes(repository: string, digest: string, changed: Partial<ChangeableAttributes>): StoredManifest | undefined {
        const manifest = this.repositories.get(repository)?.manifests.get(digest);
        if (!manifest) return undefined;
        manifest.attributes = { ...manifest.attributes, ...pickAttributes(changed) };
        manifest.lastUpdateTime = this.now().toISOString();
        this.events.push({ kind: 'attributes', repository, target: 'manifest', reference: digest, digest, changed: pickAttributes(changed) });
        return manifest;
    }

    updateTagAttributes(repository: string, name: string, changed: Partial<ChangeableAttributes>): StoredTag | undefined {
        const tag = this.repositories.get(repository)?.tags.get(name);
        if (!tag) return undefined;
        tag.attributes = { ...tag.attributes, ...pickAttributes(changed) };
        tag.lastUpdateTime = this.now().toISOString();
        this.events.push({ kind: 'attributes', repository, target: 'tag', reference: name, digest: tag.digest, changed: pickAttributes(changed) });
        return tag;
    }

    private imageManifest(mediaType: string, platform: Platform): StoredManifest {
        const oci = mediaType === MEDIA_TYPES.ociManifest;
        // A unique config per image (the id), so every putImage yields a distinct digest.
        const config = JSON.stringify({
            architecture: platform.architecture,
            os: platform.os,
            created: this.now().toISOString(),
            config: { Labels: { 'acr-server.test/id': randomUUID() } },
            rootfs: { type: 'layers', diff_ids: [sha256(`layer-${randomUUID()}`)] },
        });
        const configDigest = sha256(config);
        this.blobs.set(configDigest, config);
        const layerSize = 1024;
        const content = JSON.stringify({
            schemaVersion: 2,
            mediaType,
            config: { mediaType: oci ? MEDIA_TYPES.ociConfig : MEDIA_TYPES.dockerConfig, size: Buffer.byteLength(config), digest: configDigest },
            layers: [{ mediaType: oci ? MEDIA_TYPES.ociLayer : MEDIA_TYPES.dockerLayer, size: layerSize, digest: sha256(`layer-${configDigest}`) }],
        });
        return this.stored({
            digest: sha256(content),
            mediaType,
            content,
            platform,
            configMediaType: oci ? MEDIA_TYPES.ociConfig : MEDIA_TYPES.dockerConfig,
            imageSize: Buffer.byteLength(content) + Buffer.byteLength(config) + layerSize,
        });
    }

    private stored(m: Omit<StoredManifest, 'createdTime' | 'lastUpdateTime' | 'attributes'>): StoredManifest {
        const at = this.now().toISOString();
        return { ...m, createdTime: at, lastUpdateTime: at, attributes: allEnabled() };
    }

    private copy(m: StoredManifest): StoredManifest {
        return this.stored({ ...m });
    }

    private setTag(repository: Repository, name: string, digest: string): void {
        const at = this.now().toISOString();
        const existing = repository.tags.get(name);
        if (existing) {
            existing.digest = digest;
            existing.lastUpdateTime = at;
        } else {
            repository.tags.set(name, { name, digest, createdTime: at, lastUpdateTime: at, attributes: allEnabled() });
        }
    }

    private repository(name: string, create: boolean): Repository {
        let repo = this.repositories.get(name);
        if (!repo) {
            repo = { manifests: new Map(), tags: new Map() };
            if (create) this.repositories.set(name, repo);
        }
        return repo;
    }
}

function pickAttributes(changed: Partial<ChangeableAttributes>): Partial<ChangeableAttributes> {
    const out: Partial<ChangeableAttributes> = {};
    for (const key of ['deleteEnabled', 'writeEnabled', 'readEnabled', 'listEnabled'] as const) {
        if (typeof changed[key] === 'boolean') out[key] = changed[key];
    }
    return out;
}
