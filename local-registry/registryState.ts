import { randomBytes, randomUUID } from 'node:crypto';
import { ContentStore, digestOf } from './contentStore';
import { DistributionError } from './distributionErrors';
import type { RequestInfo } from './eventGridEvents';
import { MEDIA_TYPES, parseManifest, type Descriptor, type ParsedManifest } from './manifestDocument';

export { MEDIA_TYPES } from './manifestDocument';

/**
 * The contents of the local registry: content-addressed blobs (shared by all repositories, like
 * ACR's storage, but linked per repository as the distribution API sees them), manifests stored
 * byte for byte as pushed, tags, ACR's changeable attributes (locks) on both, and an event log of
 * every operation so tests and the notifier can see what happened. With a data directory
 * (ContentStore) everything survives a restart.
 */

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
    readonly content: Buffer;
    /** For an image manifest: its config's platform; for an index: undefined. */
    readonly platform?: Platform;
    readonly configMediaType?: string;
    /** For an index: the child manifests with their platforms. */
    readonly references?: ReadonlyArray<{ digest: string } & Platform>;
    /** Blobs (config and layers) the manifest refers to. */
    readonly blobs: readonly string[];
    /** OCI 1.1: the manifest this one refers to (referrers API). */
    readonly subject?: string;
    readonly artifactType?: string;
    readonly annotations?: Readonly<Record<string, string>>;
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
    | { kind: 'delete'; repository: string; digest: string; tags: string[] }
    | { kind: 'untag'; repository: string; digest: string; tag: string }
    | { kind: 'attributes'; repository: string; target: 'manifest' | 'tag'; reference: string; digest: string; changed: Partial<ChangeableAttributes> };

/** What listeners (the Event Grid notifier) learn besides the event: the manifest and the request behind it. */
export interface EventDetails {
    readonly mediaType?: string;
    readonly size?: number;
    readonly request?: RequestInfo;
}

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

export interface PutIndexInput {
    readonly repository: string;
    readonly tags?: readonly string[];
    /** One platform image child each (OCI image manifests), e.g. linux/amd64 and linux/arm64 (with `variant`). */
    readonly platforms: ReadonlyArray<Platform & { readonly variant?: string }>;
    /**
     * Add a buildx attestation manifest per platform child, as `docker buildx build` pushes them:
     * an entry with `platform: unknown/unknown` and annotations `vnd.docker.reference.type:
     * attestation-manifest` / `vnd.docker.reference.digest: <child>`, whose manifest holds an in-toto
     * layer (an SLSA provenance statement) and an empty-ish config.
     */
    readonly attestations?: boolean;
}

export interface PutIndexResult {
    readonly digest: string;
    readonly children: ReadonlyArray<{ readonly digest: string; readonly platform: string }>;
    readonly attestations: ReadonlyArray<{ readonly digest: string; readonly describes: string }>;
}

export interface PushedManifest {
    readonly manifest: StoredManifest;
    readonly tag?: string;
    /** False when the same bytes were already there under the same tag (nothing changed). */
    readonly changed: boolean;
}

const allEnabled = (): ChangeableAttributes => ({ deleteEnabled: true, writeEnabled: true, readEnabled: true, listEnabled: true });
const isDigestReference = (reference: string) => reference.includes(':');
const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
/** How many events (and, in localRegistry.ts, requests) are kept for inspection. */
export const MAX_HISTORY = 10_000;

interface Repository {
    readonly manifests: Map<string, StoredManifest>;
    readonly tags: Map<string, StoredTag>;
    /** Blobs uploaded or mounted into this repository (the distribution API's per-repository view). */
    readonly blobs: Set<string>;
}

export class RegistryState {
    readonly events: RegistryEvent[] = [];
    private readonly repositories = new Map<string, Repository>();
    private readonly listeners: Array<(event: RegistryEvent, details: EventDetails) => void> = [];

    constructor(
        private readonly now: () => Date = () => new Date(),
        readonly content: ContentStore = ContentStore.inMemory(),
    ) {
        for (const saved of content.loadState()) {
            const repo: Repository = { manifests: new Map(), tags: new Map(), blobs: new Set(saved.blobs) };
            for (const m of saved.manifests) {
                const bytes = content.get(m.digest);
                if (bytes) repo.manifests.set(m.digest, { ...m, content: bytes });
            }
            for (const t of saved.tags) if (repo.manifests.has(t.digest)) repo.tags.set(t.name, t);
            this.repositories.set(saved.name, repo);
        }
    }

    /** Called after every recorded event (the Event Grid notifier listens here). */
    onEvent(listener: (event: RegistryEvent, details: EventDetails) => void): void {
        this.listeners.push(listener);
    }

    // ---- Seeding for tests: a new, unique image made of real blobs, stored as if pushed --------

    /** Stores a new, unique image (config and layer blobs included) and tags it; returns the manifest digest. */
    putImage(input: PutImageInput): string {
        const mediaType = input.mediaType ?? MEDIA_TYPES.dockerManifest;
        let top: StoredManifest;
        if (mediaType === MEDIA_TYPES.ociIndex) {
            const platforms = input.platforms && input.platforms.length > 0 ? input.platforms : [{ os: 'linux', architecture: 'amd64' }];
            const children = platforms.map((p) => this.seedImage(input.repository, MEDIA_TYPES.ociManifest, p));
            const content = JSON.stringify({
                schemaVersion: 2,
                mediaType,
                manifests: children.map((c) => ({
                    mediaType: c.mediaType,
                    digest: c.digest,
                    size: c.content.length,
                    platform: { architecture: c.platform?.architecture, os: c.platform?.os },
                })),
            });
            top = this.storeManifest(input.repository, Buffer.from(content), mediaType);
        } else {
            top = this.seedImage(input.repository, mediaType, { os: input.os ?? 'linux', architecture: input.architecture ?? 'amd64' });
        }
        const tags = [...(input.tags ?? [])];
        const repository = this.repository(input.repository, true);
        for (const tag of tags) this.setTag(repository, tag, top.digest);
        this.record({ kind: 'push', repository: input.repository, digest: top.digest, tags }, { mediaType: top.mediaType, size: top.content.length });
        return top.digest;
    }

    /** Stores a new, unique multi-platform image (children, their attestations, the index) and tags it, as a buildx push does. */
    putIndex(input: PutIndexInput): PutIndexResult {
        const children = input.platforms.map((p) => ({ platform: p, manifest: this.seedImage(input.repository, MEDIA_TYPES.ociManifest, p) }));
        const attestations = input.attestations ? children.map((c) => ({ describes: c.manifest.digest, manifest: this.seedAttestation(input.repository, c.manifest.digest) })) : [];
        const platformText = (p: Platform & { variant?: string }) => [p.os, p.architecture, ...(p.variant ? [p.variant] : [])].join('/');
        const content = JSON.stringify({
            schemaVersion: 2,
            mediaType: MEDIA_TYPES.ociIndex,
            manifests: [
                ...children.map((c) => ({
                    mediaType: MEDIA_TYPES.ociManifest,
                    digest: c.manifest.digest,
                    size: c.manifest.content.length,
                    platform: { architecture: c.platform.architecture, os: c.platform.os, ...(c.platform.variant ? { variant: c.platform.variant } : {}) },
                })),
                ...attestations.map((a) => ({
                    mediaType: MEDIA_TYPES.ociManifest,
                    digest: a.manifest.digest,
                    size: a.manifest.content.length,
                    annotations: { 'vnd.docker.reference.digest': a.describes, 'vnd.docker.reference.type': 'attestation-manifest' },
                    platform: { architecture: 'unknown', os: 'unknown' },
                })),
            ],
        });
        const top = this.storeManifest(input.repository, Buffer.from(content), MEDIA_TYPES.ociIndex);
        const tags = [...(input.tags ?? [])];
        const repository = this.repository(input.repository, true);
        for (const tag of tags) this.setTag(repository, tag, top.digest);
        this.persist();
        this.record({ kind: 'push', repository: input.repository, digest: top.digest, tags }, { mediaType: top.mediaType, size: top.content.length });
        return {
            digest: top.digest,
            children: children.map((c) => ({ digest: c.manifest.digest, platform: platformText(c.platform) })),
            attestations: attestations.map((a) => ({ digest: a.manifest.digest, describes: a.describes })),
        };
    }

    // ---- Reading ------------------------------------------------------------------------------

    repositoryNames(): string[] {
        return [...this.repositories.entries()].filter(([, r]) => r.manifests.size > 0 || r.tags.size > 0).map(([name]) => name).sort();
    }

    hasRepository(name: string): boolean {
        return this.repositories.has(name);
    }

    tags(repository: string): StoredTag[] {
        return [...(this.repositories.get(repository)?.tags.values() ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
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
        const digest = isDigestReference(reference) ? reference : repo.tags.get(reference)?.digest;
        return digest ? repo.manifests.get(digest) : undefined;
    }

    tagsOf(repository: string, digest: string): string[] {
        return this.tags(repository).filter((t) => t.digest === digest).map((t) => t.name);
    }

    /** A blob's bytes as text (config blobs), from any repository. */
    blob(digest: string): string | undefined {
        return this.content.get(digest)?.toString('utf8');
    }

    /** A blob as the distribution API sees it in `repository`: linked there, or referred to by one of its manifests. */
    repositoryBlob(repository: string, digest: string): Buffer | undefined {
        const repo = this.repositories.get(repository);
        if (!repo) return undefined;
        const linked = repo.blobs.has(digest) || [...repo.manifests.values()].some((m) => m.blobs.includes(digest));
        return linked ? this.content.get(digest) : undefined;
    }

    /** OCI referrers: the manifests of `repository` whose `subject` is `digest`, as index descriptors. */
    referrers(repository: string, digest: string, artifactType?: string): Descriptor[] {
        return this.manifests(repository)
            .filter((m) => m.subject === digest)
            .map((m) => ({
                mediaType: m.mediaType,
                size: m.content.length,
                digest: m.digest,
                // The spec: the manifest's artifactType, else (image manifests only) its config media type.
                ...((m.artifactType ?? (m.mediaType === MEDIA_TYPES.ociIndex ? undefined : m.configMediaType)) !== undefined
                    ? { artifactType: m.artifactType ?? m.configMediaType }
                    : {}),
                ...(m.annotations ? { annotations: { ...m.annotations } } : {}),
            }))
            .filter((d) => artifactType === undefined || d.artifactType === artifactType)
            .sort((a, b) => (a.digest < b.digest ? -1 : 1));
    }

    // ---- Writing through the distribution API -------------------------------------------------

    /** Stores an uploaded blob (already verified against its digest) and links it to `repository`. */
    addBlob(repository: string, digest: string, bytes: Buffer): void {
        this.content.put(digest, bytes);
        this.repository(repository, true).blobs.add(digest);
        this.persist();
    }

    /** Cross-repository mount: links a blob that exists in `from` (or anywhere, when `from` is absent). */
    mountBlob(repository: string, digest: string, from: string | undefined): boolean {
        const exists = from ? this.repositoryBlob(from, digest) !== undefined : this.content.has(digest);
        if (!exists) return false;
        this.repository(repository, true).blobs.add(digest);
        this.persist();
        return true;
    }

    deleteBlob(repository: string, digest: string): boolean {
        const repo = this.repositories.get(repository);
        if (!repo?.blobs.delete(digest)) return false;
        this.persist();
        return true;
    }

    /**
     * PUT /v2/{name}/manifests/{reference}: validates the document and everything it refers to,
     * stores the exact bytes and moves the tag. Throws DistributionError with the spec's code.
     */
    pushManifest(repository: string, reference: string, bytes: Buffer, contentType: string | undefined, request?: RequestInfo): PushedManifest {
        const parsed = parseManifest(bytes, contentType);
        const digest = digestOf(bytes, isDigestReference(reference) ? reference.slice(0, reference.indexOf(':')) : 'sha256');
        if (isDigestReference(reference) && reference !== digest) {
            throw new DistributionError(400, 'DIGEST_INVALID', `manifest digest ${digest} does not match the reference ${reference}`, { digest: reference });
        }
        const tag = isDigestReference(reference) ? undefined : reference;
        if (tag !== undefined && !TAG_PATTERN.test(tag)) throw new DistributionError(400, 'MANIFEST_INVALID', `${JSON.stringify(tag)} is not a valid tag`);
        const repo = this.repositories.get(repository);
        const missing = this.missingReferences(repository, parsed);
        if (missing.length > 0) {
            throw new DistributionError(400, 'MANIFEST_BLOB_UNKNOWN', 'manifest references a manifest or blob unknown to registry', missing.map((d) => ({ digest: d })));
        }
        const existingTag = tag !== undefined ? repo?.tags.get(tag) : undefined;
        const existing = repo?.manifests.get(digest);
        if ((existingTag && !existingTag.attributes.writeEnabled && existingTag.digest !== digest) || (existing && !existing.attributes.writeEnabled)) {
            throw new DistributionError(403, 'DENIED', 'The operation is disallowed on this registry, repository or image.');
        }
        const changed = !existing || (tag !== undefined && existingTag?.digest !== digest);
        const manifest = existing ?? this.storeParsed(repository, bytes, digest, parsed);
        if (tag !== undefined) this.setTag(this.repository(repository, true), tag, digest);
        this.persist();
        // Every accepted PUT is a push event, as ACR sends one per push (re-pushes included).
        this.record({ kind: 'push', repository, digest, tags: tag === undefined ? [] : [tag] }, { mediaType: manifest.mediaType, size: bytes.length, ...(request ? { request } : {}) });
        return { manifest, ...(tag !== undefined ? { tag } : {}), changed };
    }

    /** DELETE /v2/{name}/manifests/{digest}: the manifest and every tag on it. */
    deleteManifest(repository: string, digest: string, request?: RequestInfo): StoredManifest {
        const repo = this.repositories.get(repository);
        const manifest = repo?.manifests.get(digest);
        if (!repo || !manifest) throw new DistributionError(404, 'MANIFEST_UNKNOWN', 'manifest unknown to registry');
        const tags = this.tagsOf(repository, digest);
        if (!manifest.attributes.deleteEnabled || tags.some((t) => !repo.tags.get(t)!.attributes.deleteEnabled)) {
            throw new DistributionError(403, 'DENIED', 'The operation is disallowed on this registry, repository or image.');
        }
        repo.manifests.delete(digest);
        for (const t of tags) repo.tags.delete(t);
        this.persist();
        this.record({ kind: 'delete', repository, digest, tags }, { mediaType: manifest.mediaType, ...(request ? { request } : {}) });
        return manifest;
    }

    /** DELETE /v2/{name}/manifests/{tag}: the tag only (the spec's tag deletion). */
    deleteTag(repository: string, name: string): StoredTag {
        const repo = this.repositories.get(repository);
        const tag = repo?.tags.get(name);
        if (!repo || !tag) throw new DistributionError(404, 'MANIFEST_UNKNOWN', `tag ${name} unknown to registry`);
        if (!tag.attributes.deleteEnabled) throw new DistributionError(403, 'DENIED', 'The operation is disallowed on this registry, repository or image.');
        repo.tags.delete(name);
        this.persist();
        this.record({ kind: 'untag', repository, digest: tag.digest, tag: name });
        return tag;
    }

    // ---- ACR operations -----------------------------------------------------------------------

    /**
     * Copies a manifest (and its children) into another repository and points tags at it, as
     * ARM importImage does within one registry. NoForce refuses when any target tag exists.
     */
    importManifest(args: { sourceRepository: string; sourceReference: string; targets: ReadonlyArray<{ repository: string; tag?: string }>; mode: string; request?: RequestInfo }): { ok: true; digest: string } | { ok: false; code: string; message: string } {
        const source = this.resolve(args.sourceRepository, args.sourceReference);
        if (!source) {
            return { ok: false, code: 'SOURCE_NOT_FOUND', message: `The source image ${args.sourceRepository}${isDigestReference(args.sourceReference) ? '@' : ':'}${args.sourceReference} could not be found.` };
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
            this.persist();
            this.record({
                kind: 'import',
                repository: target.repository,
                digest: source.digest,
                tags: target.tag === undefined ? [] : [target.tag],
                sourceRepository: args.sourceRepository,
                mode: args.mode,
            }, { mediaType: source.mediaType, size: source.content.length, ...(args.request ? { request: args.request } : {}) });
        }
        return { ok: true, digest: source.digest };
    }

    updateManifestAttributes(repository: string, digest: string, changed: Partial<ChangeableAttributes>): StoredManifest | undefined {
        const manifest = this.repositories.get(repository)?.manifests.get(digest);
        if (!manifest) return undefined;
        manifest.attributes = { ...manifest.attributes, ...pickAttributes(changed) };
        manifest.lastUpdateTime = this.now().toISOString();
        this.persist();
        this.record({ kind: 'attributes', repository, target: 'manifest', reference: digest, digest, changed: pickAttributes(changed) });
        return manifest;
    }

    updateTagAttributes(repository: string, name: string, changed: Partial<ChangeableAttributes>): StoredTag | undefined {
        const tag = this.repositories.get(repository)?.tags.get(name);
        if (!tag) return undefined;
        tag.attributes = { ...tag.attributes, ...pickAttributes(changed) };
        tag.lastUpdateTime = this.now().toISOString();
        this.persist();
        this.record({ kind: 'attributes', repository, target: 'tag', reference: name, digest: tag.digest, changed: pickAttributes(changed) });
        return tag;
    }

    // ---- Internals ----------------------------------------------------------------------------

    private seedImage(repository: string, mediaType: string, platform: Platform & { readonly variant?: string }): StoredManifest {
        const oci = mediaType === MEDIA_TYPES.ociManifest;
        // A unique config per image (the id), so every putImage yields a distinct digest.
        const layer = randomBytes(1024);
        const layerDigest = digestOf(layer);
        const config = Buffer.from(JSON.stringify({
            architecture: platform.architecture,
            os: platform.os,
            ...(platform.variant ? { variant: platform.variant } : {}),
            created: this.now().toISOString(),
            config: { Labels: { 'acr-server.test/id': randomUUID() } },
            rootfs: { type: 'layers', diff_ids: [layerDigest] },
        }));
        const configDigest = digestOf(config);
        this.addBlob(repository, configDigest, config);
        this.addBlob(repository, layerDigest, layer);
        const content = JSON.stringify({
            schemaVersion: 2,
            mediaType,
            config: { mediaType: oci ? MEDIA_TYPES.ociConfig : MEDIA_TYPES.dockerConfig, size: config.length, digest: configDigest },
            layers: [{ mediaType: oci ? MEDIA_TYPES.ociLayer : MEDIA_TYPES.dockerLayer, size: layer.length, digest: layerDigest }],
        });
        return this.storeManifest(repository, Buffer.from(content), mediaType);
    }

    /** A buildx attestation manifest (an SLSA provenance in-toto statement) about `subject`. */
    private seedAttestation(repository: string, subject: string): StoredManifest {
        const statement = Buffer.from(JSON.stringify({
            _type: 'https://in-toto.io/Statement/v0.1',
            predicateType: 'https://slsa.dev/provenance/v0.2',
            subject: [{ name: '_', digest: { sha256: subject.slice('sha256:'.length) } }],
            predicate: { builder: { id: '' }, buildType: 'https://mobyproject.org/buildkit@v1', metadata: { 'acr-server.test/id': randomUUID() } },
        }));
        const config = Buffer.from(JSON.stringify({ architecture: 'unknown', os: 'unknown', config: {}, rootfs: { type: 'layers', diff_ids: [digestOf(statement)] } }));
        this.addBlob(repository, digestOf(config), config);
        this.addBlob(repository, digestOf(statement), statement);
        const content = JSON.stringify({
            schemaVersion: 2,
            mediaType: MEDIA_TYPES.ociManifest,
            config: { mediaType: MEDIA_TYPES.ociConfig, digest: digestOf(config), size: config.length },
            layers: [{ mediaType: 'application/vnd.in-toto+json', digest: digestOf(statement), size: statement.length, annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' } }],
        });
        return this.storeManifest(repository, Buffer.from(content), MEDIA_TYPES.ociManifest);
    }

    private storeManifest(repository: string, bytes: Buffer, contentType: string): StoredManifest {
        return this.storeParsed(repository, bytes, digestOf(bytes), parseManifest(bytes, contentType));
    }

    private storeParsed(repository: string, bytes: Buffer, digest: string, parsed: ParsedManifest): StoredManifest {
        const repo = this.repository(repository, true);
        const at = this.now().toISOString();
        let platform: Platform | undefined;
        if (parsed.config && parsed.kind === 'image') {
            const config = this.content.get(parsed.config.digest);
            platform = config ? platformOf(config) : undefined;
        }
        const references = parsed.manifests?.map((d) => {
            const child = repo.manifests.get(d.digest);
            return { digest: d.digest, os: d.platform?.os ?? child?.platform?.os ?? 'unknown', architecture: d.platform?.architecture ?? child?.platform?.architecture ?? 'unknown' };
        });
        const imageSize = parsed.kind === 'index'
            ? (parsed.manifests ?? []).reduce((n, d) => n + (repo.manifests.get(d.digest)?.imageSize ?? d.size), 0)
            : bytes.length + (parsed.config?.size ?? 0) + (parsed.layers ?? []).reduce((n, l) => n + l.size, 0);
        const manifest: StoredManifest = {
            digest,
            mediaType: parsed.mediaType,
            content: bytes,
            ...(platform ? { platform } : {}),
            ...(parsed.config ? { configMediaType: parsed.config.mediaType } : {}),
            ...(references ? { references } : {}),
            blobs: [...(parsed.config ? [parsed.config.digest] : []), ...(parsed.layers ?? []).map((l) => l.digest)],
            ...(parsed.subject ? { subject: parsed.subject.digest } : {}),
            ...(parsed.artifactType ? { artifactType: parsed.artifactType } : {}),
            ...(parsed.annotations ? { annotations: parsed.annotations } : {}),
            imageSize,
            createdTime: at,
            lastUpdateTime: at,
            attributes: allEnabled(),
        };
        this.content.put(digest, bytes);
        repo.manifests.set(digest, manifest);
        return manifest;
    }

    /** Blobs and child manifests a pushed manifest names that this repository does not have. */
    private missingReferences(repository: string, parsed: ParsedManifest): string[] {
        const repo = this.repositories.get(repository);
        const missing: string[] = [];
        for (const d of [...(parsed.config ? [parsed.config] : []), ...(parsed.layers ?? [])]) {
            // Foreign (non-distributable) layers live elsewhere by definition: they are not uploaded.
            if (d.urls && d.urls.length > 0) continue;
            if (!this.repositoryBlob(repository, d.digest)) missing.push(d.digest);
        }
        for (const d of parsed.manifests ?? []) if (!repo?.manifests.has(d.digest)) missing.push(d.digest);
        return missing;
    }

    private copy(m: StoredManifest): StoredManifest {
        const at = this.now().toISOString();
        return { ...m, createdTime: at, lastUpdateTime: at, attributes: allEnabled() };
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
            repo = { manifests: new Map(), tags: new Map(), blobs: new Set() };
            if (create) this.repositories.set(name, repo);
        }
        return repo;
    }

    private record(event: RegistryEvent, details: EventDetails = {}): void {
        this.events.push(event);
        // A long-running registry (npm start) keeps the recent history only.
        if (this.events.length > MAX_HISTORY) this.events.splice(0, this.events.length - MAX_HISTORY);
        for (const listener of this.listeners) listener(event, details);
    }

    private persist(): void {
        this.content.saveState(
            [...this.repositories.entries()].map(([name, r]) => ({
                name,
                blobs: [...r.blobs],
                manifests: [...r.manifests.values()].map(({ content: _bytes, ...rest }) => rest),
                tags: [...r.tags.values()],
            })),
        );
    }
}

function platformOf(config: Buffer): Platform | undefined {
    try {
        const parsed = JSON.parse(config.toString('utf8')) as { os?: unknown; architecture?: unknown };
        return typeof parsed.os === 'string' && typeof parsed.architecture === 'string' ? { os: parsed.os, architecture: parsed.architecture } : undefined;
    } catch {
        // An artifact's config need not be JSON (or an image config at all): no platform then.
        return undefined;
    }
}

function pickAttributes(changed: Partial<ChangeableAttributes>): Partial<ChangeableAttributes> {
    const out: Partial<ChangeableAttributes> = {};
    for (const key of ['deleteEnabled', 'writeEnabled', 'readEnabled', 'listEnabled'] as const) {
        if (typeof changed[key] === 'boolean') out[key] = changed[key];
    }
    return out;
}
