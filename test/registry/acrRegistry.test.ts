import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AcrConnection } from '../../shared/registry/acrConnection';
import { AcrRegistry } from '../../shared/registry/acrRegistry';
import { RegistryError } from '../../shared/registry/registry';
import { MEDIA_TYPES, startAcrServer, type AcrServer } from '../acr-server/acrServer';
import { FakeTokenCredential } from '../support/fakeTokenCredential';
import { testAcrConnection } from '../support/testAzureAccess';

let server: AcrServer;
let credential: FakeTokenCredential;
let registry: AcrRegistry;

beforeAll(async () => {
    server = await startAcrServer({ azuriteConnectionString: inject('azuriteConnectionString'), importPollsInProgress: 2 });
    credential = new FakeTokenCredential();
    const acr = testAcrConnection(server, credential);
    registry = new AcrRegistry(acr, { pageSize: 2, importPollIntervalMs: 1 });
});

afterAll(async () => {
    await server?.close();
});

const requestsSince = (mark: number) => server.requests.slice(mark);

async function failure(promise: Promise<unknown>): Promise<RegistryError> {
    try {
        await promise;
    } catch (err) {
        expect(err).toBeInstanceOf(RegistryError);
        return err as RegistryError;
    }
    throw new Error('expected the registry call to fail');
}

describe('AcrRegistry over the real SDK clients', () => {
    it('imports by digest through the importImage long-running operation, to its end', async () => {
        const digest = server.registry.putImage({ repository: 'quarantine/web', tags: ['1.0'] });
        const mark = server.requests.length;
        await registry.importByDigest({ sourceRepository: 'quarantine/web', digest, targetRepository: 'live/web', targetTag: '1.0', mode: 'NoForce' });

        expect(server.registry.tag('live/web', '1.0')?.digest).toBe(digest);
        const imports = server.registry.events.filter((e) => e.kind === 'import');
        expect(imports).toEqual([{ kind: 'import', repository: 'live/web', digest, tags: ['1.0'], sourceRepository: 'quarantine/web', mode: 'NoForce' }]);
        const seen = requestsSince(mark).map((r) => `${r.method} ${r.status} ${r.path.split('/').slice(-2).join('/')}`);
        // POST 202, then the Location polled: 202 twice (in progress), then 200 Succeeded.
        expect(seen[0]).toMatch(/^POST 202 .*\/importImage$/);
        expect(seen.slice(1, 4).map((s) => s.split(' ').slice(0, 2).join(' '))).toEqual(['GET 202', 'GET 202', 'GET 200']);
        // Then the promotion is confirmed by reading the target tag back.
        expect(requestsSince(mark).some((r) => r.path === '/acr/v1/live/web/_tags/1.0' && r.status === 200)).toBe(true);
        expect(credential.requestedScopes).toContain(`${server.armEndpoint}/.default`);
    });

    it('reports a NoForce import onto an existing tag as a conflict', async () => {
        const first = server.registry.putImage({ repository: 'quarantine/api', tags: ['2'] });
        const other = server.registry.putImage({ repository: 'live/api', tags: ['2'] });
        const err = await registry
            .importByDigest({ sourceRepository: 'quarantine/api', digest: first, targetRepository: 'live/api', targetTag: '2', mode: 'NoForce' })
            .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(RegistryError);
        expect((err as RegistryError).code).toBe('conflict');
        expect((err as RegistryError).details).toMatchObject({ statusCode: 409, code: 'TAG_ALREADY_EXISTS' });
        expect(server.registry.tag('live/api', '2')?.digest).toBe(other);
    });

    it('maps an unknown source digest and a bad request to typed errors', async () => {
        const missing = `sha256:${'ab'.repeat(32)}`;
        const err = await failure(
            registry.importByDigest({ sourceRepository: 'quarantine/none', digest: missing, targetRepository: 'live/none', targetTag: 'x', mode: 'Force' }),
        );
        expect(err.code).toBe('not-found');
        expect(err.details.code).toBe('SOURCE_NOT_FOUND');
        const bad = await failure(
            registry.importByDigest({ sourceRepository: 'quarantine/None', digest: missing, targetRepository: 'live/x', targetTag: 'x', mode: 'Force' }),
        );
        expect(bad.code).toBe('invalid-input');
    });

    it('lists repositories and tags by pages: requests are pages, not tags', async () => {
        for (const tag of ['a', 'b', 'c', 'd', 'e']) server.registry.putImage({ repository: 'live/paged', tags: [tag] });
        const mark = server.requests.length;
        const tags = await registry.listTags('live/paged');
        expect(tags.map((t) => t.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
        expect(tags[0]!.digest).toBe(server.registry.tag('live/paged', 'a')!.digest);
        const pages = requestsSince(mark).filter((r) => r.path === '/acr/v1/live/paged/_tags' && r.status === 200);
        expect(pages).toHaveLength(3); // 5 tags, 2 per page
        expect(pages[0]!.query).toMatchObject({ n: '2', 'api-version': '2021-07-01' });
        // The next pages follow the Link header: no api-version, `last` set.
        expect(pages[1]!.query).toEqual({ last: 'b', n: '2', orderby: '' });

        const repos = await registry.listRepositories();
        expect(repos).toEqual(server.registry.repositoryNames());
        expect(repos).toContain('live/paged');
    });

    it('reads a Docker v2 image: digest, media type, platform from the config blob', async () => {
        const digest = server.registry.putImage({ repository: 'quarantine/win', tags: ['ltsc'], os: 'windows', architecture: 'amd64' });
        const info = await registry.getManifest('quarantine/win', 'ltsc');
        expect(info).toEqual({
            repository: 'quarantine/win',
            digest,
            mediaType: MEDIA_TYPES.dockerManifest,
            isIndex: false,
            platforms: [{ os: 'windows', architecture: 'amd64' }],
            children: [],
        });
        const blobReads = server.requests.filter((r) => r.path.startsWith('/v2/quarantine/win/blobs/') && r.status === 200);
        expect(blobReads).toHaveLength(1);
    });

    it('reads an OCI index: one platform per child', async () => {
        const digest = server.registry.putImage({
            repository: 'quarantine/multi',
            tags: ['1'],
            mediaType: MEDIA_TYPES.ociIndex,
            platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }],
        });
        const info = await registry.getManifest('quarantine/multi', digest);
        expect(info.isIndex).toBe(true);
        expect(info.mediaType).toBe(MEDIA_TYPES.ociIndex);
        expect(info.platforms).toEqual([{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }]);
        expect(info.children).toHaveLength(2);
    });

    it('reports a missing manifest as not-found', async () => {
        const err = await failure(registry.getManifest('quarantine/win', 'nope'));
        expect(err.code).toBe('not-found');
        expect(err.details.statusCode).toBe(404);
    });

    it('locks manifest and tag: attributes show readEnabled=false and pulls are denied', async () => {
        const digest = server.registry.putImage({ repository: 'live/bypass', tags: ['evil'] });
        await expect(registry.lockImage('live/bypass', digest, 'evil')).resolves.toEqual({ repository: 'live/bypass', digest, tag: 'evil' });

        const manifest = server.registry.resolve('live/bypass', digest)!;
        expect(manifest.attributes).toEqual({ readEnabled: false, writeEnabled: false, deleteEnabled: false, listEnabled: true });
        expect(server.registry.tag('live/bypass', 'evil')!.attributes).toEqual({ readEnabled: false, writeEnabled: false, deleteEnabled: false, listEnabled: true });
        const locks = server.registry.events.filter((e) => e.kind === 'attributes' && e.repository === 'live/bypass');
        expect(locks.map((e) => (e.kind === 'attributes' ? e.target : ''))).toEqual(['manifest', 'tag']);
        // Through the SDK as well, the way an auditor would read it.
        const props = await (registry as unknown as { acr: AcrConnection }).acr.dataPlane.getArtifact('live/bypass', digest).getManifestProperties();
        expect(props.canRead).toBe(false);
        // The write scope was obtained through the insufficient_scope challenge.
        expect(server.requests.some((r) => r.method === 'PATCH' && r.status === 401)).toBe(true);
        const pulled = await failure(registry.getManifest('live/bypass', digest));
        expect(pulled.code).toBe('forbidden');
    });

    it('locks every child of an index', async () => {
        const digest = server.registry.putImage({ repository: 'live/multi', mediaType: MEDIA_TYPES.ociIndex, platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }] });
        await registry.lockImage('live/multi', digest);
        expect(server.registry.manifests('live/multi').map((m) => m.attributes.readEnabled)).toEqual([false, false, false]);
    });
});
