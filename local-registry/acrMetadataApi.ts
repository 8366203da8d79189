import { acrErrors, HttpError, pageOf, parseJson, withLink, type Answer, type RegistryRequest } from './httpAnswer';
import type { ChangeableAttributes, RegistryState, StoredManifest, StoredTag } from './registryState';

/** Checks a request's access (ACR's token flow on HTTPS; `null`: any valid token); throws the 401 challenge when it fails. */
export type Authorize = (req: RegistryRequest, scope: { type: 'registry' | 'repository'; name: string; action: string } | null) => void;

/**
 * ACR's own data-plane API under /acr/v1 (2021-07-01): the repository catalog, tag and manifest
 * listings with `n`/`last` paging and Link headers, and the changeable attributes (locks:
 * deleteEnabled, writeEnabled, readEnabled, listEnabled) of tags and manifests.
 * Answer `undefined` means "not mine".
 */
export function acrMetadataApi(registry: RegistryState, loginServer: string, authorize: Authorize): (req: RegistryRequest) => Answer | undefined {
    const manifestJson = (repository: string, m: StoredManifest) => ({
        digest: m.digest,
        imageSize: m.imageSize,
        createdTime: m.createdTime,
        lastUpdateTime: m.lastUpdateTime,
        ...(m.platform ? { architecture: m.platform.architecture, os: m.platform.os } : {}),
        mediaType: m.mediaType,
        ...(m.configMediaType ? { configMediaType: m.configMediaType } : {}),
        // Untagged manifests carry no `tags` key at all (recording_sets_manifest_properties).
        ...(registry.tagsOf(repository, m.digest).length > 0 ? { tags: registry.tagsOf(repository, m.digest) } : {}),
        changeableAttributes: { ...m.attributes },
        ...(m.references ? { references: m.references.map((r) => ({ ...r })) } : {}),
    });

    return (req) => {
        const { method, path, query } = req;
        const body = req.body.toString('utf8');
        if (path === '/acr/v1/_catalog' && method === 'GET') {
            authorize(req, { type: 'registry', name: 'catalog', action: '*' });
            const page = pageOf(registry.repositoryNames(), (r) => r, query);
            return withLink({ status: 200, body: { repositories: page.items } }, page.next, (last, n) => `/acr/v1/_catalog?last=${encodeURIComponent(last)}&n=${n}&orderby=`);
        }
        const acr = /^\/acr\/v1\/(.+?)\/(_tags|_manifests)(?:\/([^/]+))?$/.exec(path);
        if (!acr) return undefined;
        const [, name, kind, reference] = acr as unknown as [string, string, '_tags' | '_manifests', string | undefined];
        const write = method === 'PATCH';
        authorize(req, { type: 'repository', name, action: write ? 'metadata_write' : 'metadata_read' });
        const envelope = { registry: loginServer, imageName: name };
        if (kind === '_tags' && reference === undefined && method === 'GET') {
            const visible = registry.tags(name).filter((t) => t.attributes.listEnabled);
            if (visible.length === 0 && registry.manifests(name).length === 0) throw new HttpError(404, acrErrors('NAME_UNKNOWN', 'repository name not known to registry'));
            const page = pageOf(visible, (t) => t.name, query);
            return withLink({ status: 200, body: { ...envelope, tags: page.items.map(tagJson) } }, page.next, (last, n) => `/acr/v1/${encodeURIComponent(name)}/_tags?last=${encodeURIComponent(last)}&n=${n}&orderby=`);
        }
        if (kind === '_manifests' && reference === undefined && method === 'GET') {
            const all = registry.manifests(name).sort((a, b) => a.digest.localeCompare(b.digest));
            if (all.length === 0) throw new HttpError(404, acrErrors('NAME_UNKNOWN', 'repository name not known to registry'));
            const page = pageOf(all, (m) => m.digest, query);
            return withLink({ status: 200, body: { ...envelope, manifests: page.items.map((m) => manifestJson(name, m)) } }, page.next, (last, n) => `/acr/v1/${encodeURIComponent(name)}/_manifests?last=${encodeURIComponent(last)}&n=${n}&orderby=`);
        }
        if (kind === '_tags' && reference !== undefined && (method === 'GET' || method === 'PATCH')) {
            let tag = registry.tag(name, reference);
            if (!tag) throw new HttpError(404, acrErrors('TAG_UNKNOWN', `the specified tag does not exist`));
            if (write) tag = registry.updateTagAttributes(name, reference, attributesFrom(body))!;
            return { status: 200, body: { ...envelope, tag: tagJson(tag) } };
        }
        if (kind === '_manifests' && reference !== undefined && (method === 'GET' || method === 'PATCH')) {
            let manifest = reference.includes(':') ? registry.resolve(name, reference) : undefined;
            if (!manifest) throw new HttpError(404, acrErrors('MANIFEST_UNKNOWN', 'manifest unknown'));
            if (write) manifest = registry.updateManifestAttributes(name, manifest.digest, attributesFrom(body))!;
            return { status: 200, body: { ...envelope, manifest: manifestJson(name, manifest) } };
        }
        return undefined;
    };
}

function tagJson(t: StoredTag) {
    return { name: t.name, digest: t.digest, createdTime: t.createdTime, lastUpdateTime: t.lastUpdateTime, signed: false, changeableAttributes: { ...t.attributes } };
}

function attributesFrom(body: string): Partial<ChangeableAttributes> {
    let parsed = parseJson(body);
    // The spec example sends the attributes as a JSON string; accept both.
    if (typeof parsed === 'string') parsed = parseJson(parsed);
    if (!parsed || typeof parsed !== 'object') throw new HttpError(400, acrErrors('INVALID_REQUEST', 'expected a JSON object of changeable attributes'));
    return parsed as Partial<ChangeableAttributes>;
}
