import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MEDIA_TYPES, startAcrServer, type AcrServer } from './acrServer';

/**
 * Replays the real ACR traffic in ../shared/fixtures/acr-http (read in place) against the test
 * server and checks status codes, the headers clients depend on (Location + Retry-After on 202,
 * Link on paging, WWW-Authenticate on 401) and body shapes.
 */

const fixtures = resolve(__dirname, '../../../shared/fixtures/acr-http');
const readJson = (path: string): any => JSON.parse(readFileSync(resolve(fixtures, path), 'utf8'));

interface Reply {
    status: number;
    headers: Record<string, string | string[] | undefined>;
    text: string;
    json: any;
}

let server: AcrServer;

function send(method: string, url: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
    return new Promise((resolvePromise, reject) => {
        const req = request(url, { method, headers: { ...headers, ...(body !== undefined ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}) }, ca: server.ca }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
                const text = Buffer.concat(chunks).toString('utf8');
                let json: unknown;
                try {
                    json = JSON.parse(text);
                } catch {
                    json = undefined;
                }
                resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, text, json });
            });
        });
        req.on('error', reject);
        req.end(body);
    });
}

/** The structure of a JSON value: keys (sorted) all the way down; arrays by their first element. */
function shape(value: unknown): unknown {
    if (Array.isArray(value)) return value.length > 0 ? [shape(value[0])] : [];
    if (value && typeof value === 'object') {
        return Object.fromEntries(Object.keys(value).sort().map((k) => [k, shape((value as Record<string, unknown>)[k])]));
    }
    return value === null ? 'null' : typeof value;
}

const keysOf = (v: object) => Object.keys(v).sort();
const armPath = () => `/subscriptions/${server.subscriptionId}/resourceGroups/${server.resourceGroup}/providers/Microsoft.ContainerRegistry/registries/${server.registryName}`;
const bearer = { Authorization: 'Bearer arm-token', 'Content-Type': 'application/json' };

beforeAll(async () => {
    // Legacy permissions: the recorded and example run requests (2019 API versions) predate ABAC
    // registries and carry no identity; the ABAC behaviour is test/registry/abacTaskRuns.test.ts.
    server = await startAcrServer({ azuriteConnectionString: inject('azuriteConnectionString'), retryAfterSeconds: 10, roleAssignmentMode: 'LegacyRegistryPermissions' });
});

afterAll(async () => {
    await server?.close();
});

describe('ARM (management plane) against the spec examples and recordings', () => {
    it('GET registry answers 200 with the Registry shape of RegistryGet.json', async () => {
        const example = readJson('arm/examples/2025-04-01/RegistryGet.json');
        const reply = await send('GET', `${server.url}${armPath()}?api-version=2025-04-01`, bearer);
        expect(reply.status).toBe(200);
        const expected = example.responses['200'].body;
        expect(keysOf(reply.json)).toEqual(keysOf(expected));
        expect(keysOf(reply.json.properties)).toEqual(expect.arrayContaining(keysOf(expected.properties)));
        expect(reply.json.properties.loginServer).toBe(server.loginServer);
        expect(reply.json.id).toBe(server.registryResourceId);
    });

    it('refuses ARM calls without a bearer token, and without api-version', async () => {
        const anonymous = await send('GET', `${server.url}${armPath()}?api-version=2025-04-01`);
        expect(anonymous.status).toBe(401);
        expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer /);
        expect(anonymous.json.error.code).toBe('AuthenticationFailed');
        const noVersion = await send('GET', `${server.url}${armPath()}`, bearer);
        expect(noVersion.status).toBe(400);
        expect(noVersion.json.error.code).toBe('MissingApiVersionParameter');
    });

    it('importImage by digest: 202 + Location (no Azure-AsyncOperation), polls 202 then 200 Succeeded', async () => {
        const example = readJson('arm/examples/2022-12-01/ImportImageByManifestDigest.json');
        const digest = server.registry.putImage({ repository: 'sourcerepository', tags: ['v1'] });
        const body = structuredClone(example.parameters.parameters);
        body.source.resourceId = server.registryResourceId;
        body.source.sourceImage = `sourcerepository@${digest}`;
        body.targetTags = ['targetrepository:targettag'];
        body.untaggedTargetRepositories = ['targetrepository1'];
        const reply = await send('POST', `${server.url}${armPath()}/importImage?api-version=2022-12-01`, bearer, JSON.stringify(body));

        expect(reply.status).toBe(202);
        // Body `null` as in the azure-cli recording (content-length 4).
        expect(reply.text).toBe('null');
        const location = String(reply.headers['location']);
        const exampleLocation: string = example.responses['202'].headers.Location;
        const locationPattern = /\/providers\/Microsoft\.ContainerRegistry\/locations\/[^/]+\/operationResults\/(?:operationStatuses\/)?registries-[0-9a-f-]{36}\?api-version=2022-12-01$/;
        expect(exampleLocation).toMatch(locationPattern);
        expect(location).toMatch(locationPattern);
        expect(location.startsWith(server.url)).toBe(true);
        expect(reply.headers['retry-after']).toBe('10');
        expect(reply.headers['azure-asyncoperation']).toBeUndefined();

        const inProgress = await send('GET', location, bearer);
        expect(inProgress.status).toBe(202);
        expect(inProgress.headers['location']).toBe(location);
        const done = await send('GET', location, bearer);
        expect(done.status).toBe(200);
        expect(done.json).toEqual({ status: 'Succeeded' });
        expect(server.registry.tag('targetrepository', 'targettag')?.digest).toBe(digest);
        expect(server.registry.manifests('targetrepository1').map((m) => m.digest)).toEqual([digest]);
    });

    it('importImage with NoForce, as recorded by azure-cli, fails on an existing tag', async () => {
        const recording = readFileSync(resolve(fixtures, 'arm/recordings/azure-cli.test_acr_import_no_wait.yaml'), 'utf8');
        const recordedBody = /body: '(\{"source": \{"resourceId"[\s\S]*?"mode": "NoForce"\})'/.exec(recording)![1]!.replace(/\n\s+/g, ' ');
        const body = JSON.parse(recordedBody);
        expect(body.mode).toBe('NoForce');
        server.registry.putImage({ repository: 'microsoft', tags: ['azure-cli'] });
        body.source.resourceId = server.registryResourceId;
        const reply = await send('POST', `${server.url}${armPath()}/importImage?api-version=2021-06-01-preview`, bearer, JSON.stringify(body));
        expect(reply.status).toBe(202);
        expect(reply.headers['location']).toMatch(/\/locations\/WESTUS\/operationResults\/registries-[0-9a-f-]{36}\?api-version=2021-06-01-preview$/);
        expect(/location:\n\s+- https:\/\/management\.azure\.com\/subscriptions\/[^/]+\/providers\/Microsoft\.ContainerRegistry\/locations\/WESTUS\/operationResults\/registries-/.test(recording)).toBe(true);
        await send('GET', String(reply.headers['location']), bearer);
        const failed = await send('GET', String(reply.headers['location']), bearer);
        expect(failed.status).toBe(409);
        expect(keysOf(failed.json.error)).toEqual(['code', 'message']);
    });

    it('scheduleRun (EncodedTaskRunRequest) answers 200 with a Queued Run and decodes task and values', async () => {
        const example = readJson('arm/examples/2019-04-01/RegistriesScheduleRun_EncodedTaskRun.json');
        const reply = await send('POST', `${server.url}${armPath()}/scheduleRun?api-version=2019-06-01-preview`, bearer, JSON.stringify(example.parameters.runRequest));
        expect(reply.status).toBe(200);
        const expected = example.responses['200'].body;
        expect(keysOf(reply.json)).toEqual(keysOf(expected));
        expect(keysOf(reply.json.properties)).toEqual(expect.arrayContaining(keysOf(expected.properties)));
        // A real run is Queued when scheduleRun answers (azure-cli test_acr_abac_run recording).
        expect(reply.json.properties.status).toBe('Queued');
        expect(reply.json.type).toBe('Microsoft.ContainerRegistry/registries/runs');

        const run = server.runs().find((r) => r.runId === reply.json.properties.runId)!;
        expect(run.taskYaml).toBe(Buffer.from(example.parameters.runRequest.encodedTaskContent, 'base64').toString('utf8'));
        expect(run.taskYaml).toContain('{{.Values.environment}}');
        expect(run.values).toEqual({ environment: 'prod', version: '1', mytestargument: 'mytestvalue', mysecrettestargument: 'mysecrettestvalue' });

        // runs get: Queued → Running → final, with the RunsGet.json properties that describe a run.
        server.onRun(() => ({ status: 'Succeeded', log: 'hello from the run\n' }));
        const scheduled = await send('POST', `${server.url}${armPath()}/scheduleRun?api-version=2019-06-01-preview`, bearer, JSON.stringify(example.parameters.runRequest));
        const runId: string = scheduled.json.properties.runId;
        const runsGet = readJson('arm/examples/2019-06-01-preview/RunsGet.json').responses['200'].body;
        const statuses: string[] = [];
        for (let i = 0; i < 3; i++) {
            const got = await send('GET', `${server.url}${armPath()}/runs/${runId}?api-version=2019-06-01-preview`, bearer);
            expect(got.status).toBe(200);
            expect(keysOf(got.json)).toEqual(keysOf(runsGet));
            statuses.push(got.json.properties.status);
            if (got.json.properties.status === 'Succeeded') {
                for (const key of ['runId', 'status', 'runType', 'createTime', 'startTime', 'finishTime', 'platform', 'agentConfiguration', 'provisioningState', 'lastUpdatedTime']) {
                    expect(runsGet.properties).toHaveProperty(key);
                    expect(got.json.properties).toHaveProperty(key);
                }
            }
        }
        expect(statuses).toEqual(['Running', 'Succeeded', 'Succeeded']);

        // listLogSasUrl: a SAS link to the rawtext.log blob, as RunsGetLogSasUrl.json shows.
        const sas = await send('POST', `${server.url}${armPath()}/runs/${runId}/listLogSasUrl?api-version=2019-06-01-preview`, bearer);
        const exampleLink: string = readJson('arm/examples/2019-06-01-preview/RunsGetLogSasUrl.json').responses['200'].body.logLink;
        expect(sas.status).toBe(200);
        expect(keysOf(sas.json)).toEqual(['logLink']);
        for (const link of [exampleLink, sas.json.logLink as string]) {
            const u = new URL(link);
            expect(u.pathname).toMatch(/\/logs\/[A-Za-z0-9-]+\/rawtext\.log$/);
            expect(u.searchParams.get('sig')).toBeTruthy();
            expect(u.searchParams.get('sr')).toBe('b');
        }
        const log = await fetch(sas.json.logLink);
        expect(log.status).toBe(200);
        expect(await log.text()).toBe('hello from the run\n');
    });

    it('answers an unknown run with 404 and an ARM error envelope', async () => {
        const reply = await send('GET', `${server.url}${armPath()}/runs/nope?api-version=2019-06-01-preview`, bearer);
        expect(reply.status).toBe(404);
        expect(keysOf(reply.json.error)).toEqual(['code', 'message']);
    });
});

describe('data plane against the recorded SDK sessions', () => {
    const recordings = [
        'js.containerregistryclient_tests.recording_should_list_repositories_by_pages.json',
        'js.repository_and_artifact_tests.recording_should_list_tags_by_pages.json',
        'js.repository_and_artifact_tests.recording_sets_manifest_properties.json',
        'js.repository_and_artifact_tests.recording_should_retrive_registry_artifact_properties_for_a_tag.json',
    ];
    let digests: Map<string, string>;

    beforeAll(async () => {
        // A dedicated registry laid out like the recorded one: two repositories; hello-world with
        // tags latest, test-delete and test1 on a multi-arch index, and an untagged OCI image.
        await server.close();
        server = await startAcrServer({ azuriteConnectionString: inject('azuriteConnectionString') });
        const index = server.registry.putImage({
            repository: 'library/hello-world',
            tags: ['latest', 'test-delete', 'test1'],
            mediaType: MEDIA_TYPES.ociIndex,
            platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm' }],
        });
        const image = server.registry.putImage({ repository: 'library/hello-world', mediaType: MEDIA_TYPES.ociManifest });
        server.registry.putImage({ repository: 'oci-artifact', tags: ['v1'] });
        digests = new Map([
            ['sha256:d1b0b5888fbb59111dbf2b3ed698489c41046cb9d6d61743e37ef8d9f3dda06f', index],
            ['sha256:1f11fbd1720fcae3e402fc3eecb7d57c67023d2d1e11becc99ad9c7fe97d65ca', image],
        ]);
    });

    it.each(recordings)('replays %s', async (file) => {
        const { Entries: entries } = readJson(`dataplane/recordings/${file}`);
        let refreshToken = '';
        let accessToken = '';
        for (const entry of entries) {
            const recorded = new URL(entry.RequestUri);
            let pathAndQuery = `${recorded.pathname}${recorded.search}`;
            for (const [theirs, ours] of digests) pathAndQuery = pathAndQuery.replace(encodeURIComponent(theirs), encodeURIComponent(ours));
            const headers: Record<string, string> = {};
            if (entry.RequestHeaders.Authorization) headers['Authorization'] = `Bearer ${accessToken}`;
            if (entry.RequestHeaders['Content-Type']) headers['Content-Type'] = entry.RequestHeaders['Content-Type'];
            let body: string | undefined;
            if (typeof entry.RequestBody === 'string') {
                const form = new URLSearchParams(entry.RequestBody);
                if (form.has('service')) form.set('service', server.loginServer);
                if (form.has('refresh_token')) form.set('refresh_token', refreshToken);
                body = form.toString();
            } else if (entry.RequestBody) {
                body = JSON.stringify(entry.RequestBody);
            }

            const reply = await send(entry.RequestMethod, `${server.url}${pathAndQuery}`, headers, body);
            const where = `${entry.RequestMethod} ${pathAndQuery}`;
            expect(reply.status, where).toBe(entry.StatusCode);
            expect(shape(reply.json), where).toEqual(shape(entry.ResponseBody));

            const recordedChallenge: string | undefined = entry.ResponseHeaders['WWW-Authenticate'];
            if (recordedChallenge) {
                const ours = String(reply.headers['www-authenticate']);
                const params = (h: string) => Object.fromEntries([...h.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
                expect(Object.keys(params(ours)), where).toEqual(Object.keys(params(recordedChallenge)));
                expect(params(ours)['scope'], where).toBe(params(recordedChallenge)['scope']);
                expect(params(ours)['service'], where).toBe(server.loginServer);
                expect(params(ours)['realm'], where).toBe(`${server.url}/oauth2/token`);
            }
            const recordedLink: string | undefined = entry.ResponseHeaders['Link'];
            expect(reply.headers['link'], where).toBe(recordedLink);

            if (pathAndQuery.startsWith('/oauth2/exchange')) {
                refreshToken = reply.json.refresh_token;
                const parts = refreshToken.split('.');
                expect(parts).toHaveLength(3);
                expect(typeof JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')).exp).toBe('number');
            }
            if (pathAndQuery.startsWith('/oauth2/token')) accessToken = reply.json.access_token;
        }
    });

    it('serves manifests and config blobs under /v2 with Docker-Content-Digest, and GetManifest.json shape', async () => {
        const example = readJson('dataplane/examples/2021-07-01/GetManifest.json');
        const digest = server.registry.putImage({ repository: 'hello-world-dangling', tags: ['20190628-033033z'] });
        const challenge = await send('GET', `${server.url}/v2/hello-world-dangling/manifests/20190628-033033z`);
        expect(challenge.status).toBe(401);
        expect(challenge.headers['www-authenticate']).toContain('scope="repository:hello-world-dangling:pull"');
        const exchange = await send('POST', `${server.url}/oauth2/exchange`, { 'Content-Type': 'application/x-www-form-urlencoded' }, new URLSearchParams({ grant_type: 'access_token', service: server.loginServer, access_token: 'aad' }).toString());
        const token = await send('POST', `${server.url}/oauth2/token`, { 'Content-Type': 'application/x-www-form-urlencoded' }, new URLSearchParams({ grant_type: 'refresh_token', service: server.loginServer, scope: 'repository:hello-world-dangling:pull', refresh_token: exchange.json.refresh_token }).toString());
        const auth = { Authorization: `Bearer ${token.json.access_token}`, Accept: example.parameters.accept };
        const manifest = await send('GET', `${server.url}/v2/hello-world-dangling/manifests/20190628-033033z`, auth);
        expect(manifest.status).toBe(200);
        expect(manifest.headers['content-type']).toBe(example.responses['200'].body.mediaType);
        expect(manifest.headers['docker-content-digest']).toBe(digest);
        expect(shape(manifest.json)).toEqual(shape(example.responses['200'].body));
        const config = await send('GET', `${server.url}/v2/hello-world-dangling/blobs/${manifest.json.config.digest}`, auth);
        expect(config.status).toBe(200);
        expect(config.json).toMatchObject({ os: 'linux', architecture: 'amd64' });
    });

    it('answers the spec examples\' attribute calls with their shapes', async () => {
        const digest = server.registry.putImage({ repository: 'nanoserver', tags: ['4.7.2-20180905-nanoserver-1803'], os: 'windows' });
        const exchange = await send('POST', `${server.url}/oauth2/exchange`, {}, new URLSearchParams({ grant_type: 'access_token', service: server.loginServer, access_token: 'aad' }).toString());
        const scope = 'repository:nanoserver:metadata_read,metadata_write';
        const token = await send('POST', `${server.url}/oauth2/token`, {}, new URLSearchParams({ grant_type: 'refresh_token', service: server.loginServer, scope, refresh_token: exchange.json.refresh_token }).toString());
        const auth = { Authorization: `Bearer ${token.json.access_token}`, 'Content-Type': 'application/json' };
        const base = `${server.url}/acr/v1/nanoserver`;
        const cases: Array<[string, string, string, string | undefined]> = [
            ['GetManifestAttributes.json', 'GET', `${base}/_manifests/${encodeURIComponent(digest)}?api-version=2021-07-01`, undefined],
            ['UpdateManifestAttributes.json', 'PATCH', `${base}/_manifests/${encodeURIComponent(digest)}?api-version=2021-07-01`, JSON.stringify({ writeEnabled: false })],
            ['GetTagAttributes.json', 'GET', `${base}/_tags/4.7.2-20180905-nanoserver-1803?api-version=2021-07-01`, undefined],
            ['UpdateTagAttributes.json', 'PATCH', `${base}/_tags/4.7.2-20180905-nanoserver-1803?api-version=2021-07-01`, JSON.stringify('{"writeEnabled": false}')],
            ['GetTagList.json', 'GET', `${base}/_tags?api-version=2021-07-01`, undefined],
            ['GetManifestList.json', 'GET', `${base}/_manifests?api-version=2021-07-01`, undefined],
        ];
        for (const [file, method, url, body] of cases) {
            const expected = readJson(`dataplane/examples/2021-07-01/${file}`).responses['200'].body;
            const reply = await send(method, url, auth, body);
            expect(reply.status, file).toBe(200);
            const strip = (v: any) => JSON.parse(JSON.stringify(v, (k, val) => (k === 'signed' || k === 'mediaType' || k === 'configMediaType' ? undefined : val)));
            expect(shape(strip(reply.json)), file).toEqual(shape(strip(expected)));
        }
        expect(server.registry.resolve('nanoserver', digest)!.attributes).toEqual({ deleteEnabled: true, writeEnabled: false, readEnabled: true, listEnabled: true });
        expect(server.registry.tag('nanoserver', '4.7.2-20180905-nanoserver-1803')!.attributes.writeEnabled).toBe(false);
        const repos = await send('GET', `${server.url}/acr/v1/_catalog?api-version=2021-07-01`, auth);
        expect(repos.status).toBe(401); // a repository token does not grant the catalog
        const example = readJson('dataplane/examples/2021-07-01/GetRepositoryList.json').responses['200'].body;
        expect(keysOf(example)).toEqual(['repositories']);
    });
});
