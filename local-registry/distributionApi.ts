import { checkRepository } from '../shared/oci/reference';
import type { Authorize } from './acrMetadataApi';
import { BlobUploads, verifiedBlob } from './blobUploads';
import { DistributionError } from './distributionErrors';
import type { RequestInfo } from './eventGridEvents';
import { pageOf, withLink, type Answer, type RegistryRequest } from './httpAnswer';
import { MEDIA_TYPES } from './manifestDocument';
import type { RegistryState } from './registryState';

const DIGEST = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
const DENIED = () => new DistributionError(403, 'DENIED', 'The operation is disallowed on this registry, repository or image.');

/**
 * The OCI distribution API (opencontainers/distribution-spec spec.md, v1.1) under /v2:
 * blob uploads (monolithic POST+PUT, single POST with `digest`, chunked PATCH, status GET,
 * cancel DELETE, cross-repository mount), blob GET/HEAD (with Range)/DELETE, manifest
 * PUT/GET/HEAD/DELETE by tag and by digest, tags/list and _catalog with `n`/`last` paging, and
 * the referrers API with the `artifactType` filter. Uploaded blobs and manifests pushed by digest
 * are verified against their digest. ACR's locks apply: a read-disabled manifest or tag is not
 * served, a write-disabled one not overwritten, a delete-disabled one not deleted.
 * Answer `undefined` means "not mine".
 */
export function distributionApi(registry: RegistryState, authorize: Authorize, requestInfo: (req: RegistryRequest) => RequestInfo): (req: RegistryRequest) => Answer | undefined {
    const uploads = new BlobUploads();

    const need = (req: RegistryRequest, name: string, action: 'pull' | 'push' | 'delete') => {
        authorize(req, { type: 'repository', name, action });
        const valid = checkRepository(name);
        if (!valid.ok) throw new DistributionError(400, 'NAME_INVALID', valid.reason, { name });
    };
    const digestParam = (value: string) => {
        if (!DIGEST.test(value)) throw new DistributionError(400, 'DIGEST_INVALID', `${JSON.stringify(value)} is not a sha256 or sha512 digest`, { digest: value });
        return value;
    };
    const uploadAnswer = (req: RegistryRequest, name: string, id: string, status: number, range: string): Answer => ({
        status,
        raw: '',
        headers: {
            Location: `${req.origin}/v2/${name}/blobs/uploads/${id}`,
            Range: range,
            'Blob-Upload-Session-ID': id,
            'Docker-Upload-UUID': id,
        },
    });
    const blobCreated = (req: RegistryRequest, name: string, digest: string): Answer => ({
        status: 201,
        raw: '',
        headers: { Location: `${req.origin}/v2/${name}/blobs/${digest}`, 'Docker-Content-Digest': digest },
    });

    return (req) => {
        const { method, path, query } = req;
        if (path === '/v2/' || path === '/v2') {
            if (method !== 'GET' && method !== 'HEAD') return undefined;
            authorize(req, null);
            return { status: 200, body: {}, headers: { 'Docker-Distribution-Api-Version': 'registry/2.0' } };
        }
        if (path === '/v2/_catalog' && method === 'GET') {
            authorize(req, { type: 'registry', name: 'catalog', action: '*' });
            const page = pageOf(registry.repositoryNames(), (r) => r, query);
            return withLink({ status: 200, body: { repositories: page.items } }, page.next, (last, n) => `/v2/_catalog?last=${encodeURIComponent(last)}&n=${n}`);
        }

        const upload = /^\/v2\/(.+)\/blobs\/uploads\/([^/]*)$/.exec(path);
        if (upload) {
            const [, name, id] = upload as unknown as [string, string, string];
            if (id === '' && method === 'POST') {
                need(req, name, 'push');
                const mount = query.get('mount');
                if (mount !== null && registry.mountBlob(name, digestParam(mount), query.get('from') ?? undefined)) return blobCreated(req, name, mount);
                const digest = query.get('digest');
                if (digest !== null) {
                    // Single-POST monolithic upload.
                    registry.addBlob(name, digest, verifiedBlob(req.body, digest));
                    return blobCreated(req, name, digest);
                }
                return uploadAnswer(req, name, uploads.open(name), 202, '0-0');
            }
            if (id === '') return undefined;
            need(req, name, method === 'GET' ? 'pull' : 'push');
            if (method === 'GET') return uploadAnswer(req, name, id, 204, uploads.range(uploads.session(name, id)));
            if (method === 'PATCH') {
                const session = uploads.append(name, id, req.body, header(req, 'content-range'));
                return uploadAnswer(req, name, id, 202, uploads.range(session));
            }
            if (method === 'PUT') {
                const digest = query.get('digest');
                const bytes = uploads.complete(name, id, digest, req.body, header(req, 'content-range'));
                registry.addBlob(name, digest!, bytes);
                return blobCreated(req, name, digest!);
            }
            if (method === 'DELETE') {
                uploads.cancel(name, id);
                return { status: 204, raw: '' };
            }
            return undefined;
        }

        const blob = /^\/v2\/(.+)\/blobs\/([^/]+)$/.exec(path);
        if (blob) {
            const [, name, reference] = blob as unknown as [string, string, string];
            if (method === 'GET' || method === 'HEAD') {
                need(req, name, 'pull');
                const bytes = registry.repositoryBlob(name, digestParam(reference));
                if (!bytes) throw new DistributionError(404, 'BLOB_UNKNOWN', 'blob unknown to registry', { digest: reference });
                return ranged(req, bytes, reference);
            }
            if (method === 'DELETE') {
                need(req, name, 'delete');
                if (!registry.deleteBlob(name, digestParam(reference))) throw new DistributionError(404, 'BLOB_UNKNOWN', 'blob unknown to registry', { digest: reference });
                return { status: 202, raw: '' };
            }
            return undefined;
        }

        const manifest = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(path);
        if (manifest) {
            const [, name, reference] = manifest as unknown as [string, string, string];
            const byDigest = reference.includes(':');
            if (byDigest) digestParam(reference);
            if (method === 'GET' || method === 'HEAD') {
                need(req, name, 'pull');
                const found = registry.resolve(name, reference);
                if (!found) throw new DistributionError(404, 'MANIFEST_UNKNOWN', `manifest tagged by "${reference}" is not found`, { name, reference });
                const tag = byDigest ? undefined : registry.tag(name, reference);
                if (!found.attributes.readEnabled || (tag && !tag.attributes.readEnabled)) throw DENIED();
                return { status: 200, raw: found.content, contentType: found.mediaType, headers: { 'Docker-Content-Digest': found.digest } };
            }
            if (method === 'PUT') {
                need(req, name, 'push');
                const pushed = registry.pushManifest(name, reference, req.body, header(req, 'content-type'), requestInfo(req));
                return {
                    status: 201,
                    raw: '',
                    headers: {
                        Location: `${req.origin}/v2/${name}/manifests/${pushed.manifest.digest}`,
                        'Docker-Content-Digest': pushed.manifest.digest,
                        ...(pushed.manifest.subject ? { 'OCI-Subject': pushed.manifest.subject } : {}),
                    },
                };
            }
            if (method === 'DELETE') {
                need(req, name, 'delete');
                if (byDigest) registry.deleteManifest(name, reference, requestInfo(req));
                else registry.deleteTag(name, reference);
                return { status: 202, raw: '' };
            }
            return undefined;
        }

        const tags = /^\/v2\/(.+)\/tags\/list$/.exec(path);
        if (tags && method === 'GET') {
            const name = tags[1]!;
            need(req, name, 'pull');
            if (!registry.hasRepository(name)) throw new DistributionError(404, 'NAME_UNKNOWN', 'repository name not known to registry', { name });
            const visible = registry.tags(name).filter((t) => t.attributes.listEnabled).map((t) => t.name);
            const page = pageOf(visible, (t) => t, query, Number.MAX_SAFE_INTEGER);
            return withLink({ status: 200, body: { name, tags: page.items } }, page.next, (last, n) => `/v2/${name}/tags/list?n=${n}&last=${encodeURIComponent(last)}`);
        }

        const referrers = /^\/v2\/(.+)\/referrers\/([^/]+)$/.exec(path);
        if (referrers && method === 'GET') {
            const [, name, digest] = referrers as unknown as [string, string, string];
            need(req, name, 'pull');
            const artifactType = query.get('artifactType') ?? undefined;
            const body = { schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: registry.referrers(name, digestParam(digest), artifactType) };
            return {
                status: 200,
                raw: JSON.stringify(body),
                contentType: MEDIA_TYPES.ociIndex,
                headers: artifactType !== undefined ? { 'OCI-Filters-Applied': 'artifactType' } : {},
            };
        }
        return undefined;
    };
}

function header(req: RegistryRequest, name: string): string | undefined {
    const value = req.headers[name];
    return Array.isArray(value) ? value[0] : value;
}

/** A blob answer, honouring a single `Range: bytes=a-b` (the spec's SHOULD; RFC 9110 section 14). */
function ranged(req: RegistryRequest, bytes: Buffer, digest: string): Answer {
    const base = { 'Docker-Content-Digest': digest, 'Accept-Ranges': 'bytes', ETag: `"${digest}"` };
    const range = /^bytes=([0-9]*)-([0-9]*)$/.exec(header(req, 'range')?.trim() ?? '');
    if (!range || (range[1] === '' && range[2] === '')) return { status: 200, raw: bytes, contentType: 'application/octet-stream', headers: base };
    let start: number;
    let end: number;
    if (range[1] === '') {
        start = Math.max(0, bytes.length - Number(range[2]));
        end = bytes.length - 1;
    } else {
        start = Number(range[1]);
        end = range[2] === '' ? bytes.length - 1 : Math.min(Number(range[2]), bytes.length - 1);
    }
    if (start >= bytes.length || start > end) {
        return { status: 416, raw: '', headers: { ...base, 'Content-Range': `bytes */${bytes.length}` } };
    }
    return { status: 206, raw: bytes.subarray(start, end + 1), contentType: 'application/octet-stream', headers: { ...base, 'Content-Range': `bytes ${start}-${end}/${bytes.length}` } };
}
