import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { acrErrors, DataPlaneTokens, type RequiredScope } from './dataPlaneAuth';
import { RegistryState, type ChangeableAttributes, type StoredManifest, type StoredTag } from './registryState';
import { createSelfSignedCertificate } from './selfSignedCertificate';
import { TaskRuns, type RunBehaviour, type RunRecord, type ScheduledRun } from './taskRuns';

/**
 * A local server that speaks the parts of Azure Container Registry's REST API acr-guard uses, on
 * both planes, for the real SDK clients:
 * - ARM (management.azure.com): registries get, importImage (202 + Location long-running operation),
 *   scheduleRun (EncodedTaskRunRequest), runs get, runs listLogSasUrl (logs in Azurite's blob service);
 * - data plane (<registry>.azurecr.io): the OAuth2 challenge/exchange/token flow, catalog and tag
 *   paging with Link headers, manifest and tag attributes, /v2 manifests and config blobs.
 * Responses are shaped after the real ones in ../shared/fixtures/acr-http (conformance.test.ts).
 * It serves HTTPS only: see selfSignedCertificate.ts for why, and `tlsOptions` for how clients trust it.
 */

export interface AcrServerOptions {
    /** Azurite's connection string: run logs are uploaded to its blob service. */
    readonly azuriteConnectionString: string;
    readonly registryName?: string;
    readonly subscriptionId?: string;
    readonly resourceGroup?: string;
    readonly location?: string;
    /** How many polls of an import's Location answer 202 before the final answer (default 1). */
    readonly importPollsInProgress?: number;
    /** Retry-After on 202 answers, in seconds (ACR sends 10; tests want 0, the default). */
    readonly retryAfterSeconds?: number;
}

export interface RecordedRequest {
    readonly method: string;
    readonly path: string;
    readonly query: Readonly<Record<string, string>>;
    readonly status: number;
}

export interface AcrServer {
    /** https://127.0.0.1:PORT: both the ARM endpoint and the registry's data-plane endpoint. */
    readonly url: string;
    readonly armEndpoint: string;
    readonly registryEndpoint: string;
    /** The login server names the registry (e.g. in image references): `<name>.azurecr.io`. */
    readonly loginServer: string;
    readonly registryName: string;
    readonly subscriptionId: string;
    readonly resourceGroup: string;
    readonly registryResourceId: string;
    /** The PEM certificate to trust: pass `tlsOptions: { ca }` in the SDK clients' options. */
    readonly ca: string;
    readonly registry: RegistryState;
    readonly tokens: DataPlaneTokens;
    /** Every request the server answered, in order. */
    readonly requests: RecordedRequest[];
    /** Every run scheduled, decoded. */
    runs(): ScheduledRun[];
    /** Plug what a task run does (its log and final status); applies to runs scheduled after. */
    onRun(behaviour: RunBehaviour): void;
    close(): Promise<void>;
}

interface ImportOperation {
    pollsLeft: number;
    readonly perform: () => { ok: true } | { ok: false; code: string; message: string };
    result?: { ok: true } | { ok: false; code: string; message: string };
}

class HttpError extends Error {
    constructor(readonly status: number, readonly body: unknown, readonly headers: Record<string, string> = {}) {
        super(`HTTP ${status}`);
    }
}

const armError = (code: string, message: string) => ({ error: { code, message } });

export async function startAcrServer(options: AcrServerOptions): Promise<AcrServer> {
    const registryName = options.registryName ?? 'acrguardtest';
    const subscriptionId = options.subscriptionId ?? '00000000-0000-0000-0000-000000000000';
    const resourceGroup = options.resourceGroup ?? 'rg-acr-guard';
    const location = options.location ?? 'westus';
    const loginServer = `${registryName}.azurecr.io`;
    const registryResourceId = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerRegistry/registries/${registryName}`;
    const retryAfter = String(options.retryAfterSeconds ?? 0);
    const importPolls = options.importPollsInProgress ?? 1;

    const registry = new RegistryState();
    const tokens = new DataPlaneTokens(loginServer);
    const taskRuns = new TaskRuns(options.azuriteConnectionString);
    const imports = new Map<string, ImportOperation>();
    const requests: RecordedRequest[] = [];
    const { cert, key } = createSelfSignedCertificate();
    let url = '';

    const registryBody = () => ({
        id: registryResourceId,
        name: registryName,
        type: 'Microsoft.ContainerRegistry/registries',
        location,
        tags: {},
        sku: { name: 'Premium', tier: 'Premium' },
        properties: {
            loginServer,
            creationDate: '2024-01-01T00:00:00.0000000Z',
            provisioningState: 'Succeeded',
            adminUserEnabled: false,
            networkRuleSet: { defaultAction: 'Allow', ipRules: [] },
            policies: {
                quarantinePolicy: { status: 'disabled' },
                trustPolicy: { type: 'Notary', status: 'disabled' },
                retentionPolicy: { days: 7, lastUpdatedTime: '2024-01-01T00:00:00.0000000+00:00', status: 'disabled' },
                exportPolicy: { status: 'enabled' },
            },
            encryption: { status: 'disabled' },
            status: null,
            dataEndpointEnabled: false,
            dataEndpointHostNames: [],
            privateEndpointConnections: [],
            publicNetworkAccess: 'Enabled',
            networkRuleBypassOptions: 'AzureServices',
            zoneRedundancy: 'Disabled',
            anonymousPullEnabled: false,
        },
    });

    const runBody = (record: RunRecord) => ({
        id: `${registryResourceId}/runs/${record.scheduled.runId}`,
        name: record.scheduled.runId,
        type: 'Microsoft.ContainerRegistry/registries/runs',
        properties: {
            runId: record.scheduled.runId,
            status: record.status,
            lastUpdatedTime: new Date().toISOString(),
            runType: 'QuickRun',
            createTime: record.createTime,
            ...(record.startTime ? { startTime: record.startTime } : {}),
            ...(record.finishTime ? { finishTime: record.finishTime } : {}),
            ...(record.outcome?.errorMessage && record.finishTime ? { runErrorMessage: record.outcome.errorMessage } : {}),
            platform: record.scheduled.platform ?? { os: 'linux', architecture: 'amd64' },
            agentConfiguration: { cpu: 2 },
            isArchiveEnabled: false,
            provisioningState: 'Succeeded',
        },
    });

    // ---- ARM -------------------------------------------------------------------------------
    async function arm(req: IncomingMessage, path: string, query: URLSearchParams, body: string): Promise<Answer> {
        if (!/^Bearer .+/i.test(req.headers.authorization ?? '')) {
            throw new HttpError(401, armError('AuthenticationFailed', 'Authentication failed. The Authorization header is missing.'), {
                'WWW-Authenticate': 'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token"',
            });
        }
        const apiVersion = query.get('api-version');
        if (!apiVersion) throw new HttpError(400, armError('MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests."));

        const op = /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.ContainerRegistry\/locations\/([^/]+)\/operationResults\/(registries-[0-9a-f-]+)$/i.exec(path);
        if (op && req.method === 'GET') {
            const operation = imports.get(op[3]!);
            if (!operation) throw new HttpError(404, armError('ResourceNotFound', `Operation ${op[3]} was not found.`));
            if (operation.pollsLeft > 0) {
                operation.pollsLeft -= 1;
                return { status: 202, body: null, headers: { Location: `${url}${path}?api-version=${apiVersion}`, 'Retry-After': retryAfter } };
            }
            operation.result ??= operation.perform();
            if (operation.result.ok) return { status: 200, body: { status: 'Succeeded' } };
            // How ACR reports a failed import on this poll is not in the spec or any recording. The SDKs
            // poll it in "resource location" mode, where only the status code counts (a 200 with a
            // Failed body would read as success), and az CLI does report import failures: so an ARM
            // error envelope with a 4xx status is the model here.
            const status = operation.result.code === 'TAG_ALREADY_EXISTS' ? 409 : 404;
            return { status, body: armError(operation.result.code, operation.result.message) };
        }

        const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ContainerRegistry\/registries\/([^/]+)(\/.*)?$/i.exec(path);
        if (!m || m[1] !== subscriptionId || m[2]!.toLowerCase() !== resourceGroup.toLowerCase() || m[3]!.toLowerCase() !== registryName.toLowerCase()) {
            throw new HttpError(404, armError('ResourceNotFound', `The Resource '${path}' was not found.`));
        }
        const rest = m[4] ?? '';
        if (rest === '' && req.method === 'GET') return { status: 200, body: registryBody() };
        if (rest === '/importImage' && req.method === 'POST') return startImport(parseJson(body), apiVersion);
        if (rest === '/scheduleRun' && req.method === 'POST') return scheduleRun(parseJson(body));
        const run = /^\/runs\/([A-Za-z0-9-]+)(\/listLogSasUrl)?$/.exec(rest);
        if (run && req.method === 'GET' && !run[2]) {
            const record = await taskRuns.observe(run[1]!);
            if (!record) throw new HttpError(404, armError('ResourceNotFound', `Run ${run[1]} was not found.`));
            return { status: 200, body: runBody(record) };
        }
        if (run && req.method === 'POST' && run[2]) {
            const link = await taskRuns.logLink(run[1]!);
            if (!link) throw new HttpError(404, armError('ResourceNotFound', `Run ${run[1]} was not found.`));
            return { status: 200, body: { logLink: link } };
        }
        throw new HttpError(404, armError('NotFound', `No route for ${req.method} ${path}`));
    }

    function startImport(body: unknown, apiVersion: string): Answer {
        const b = body as { source?: { resourceId?: unknown; registryUri?: unknown; sourceImage?: unknown }; targetTags?: unknown; untaggedTargetRepositories?: unknown; mode?: unknown };
        const sourceImage = b?.source?.sourceImage;
        if (typeof sourceImage !== 'string' || sourceImage === '') {
            throw new HttpError(400, armError('InvalidParameter', 'source.sourceImage is required.'));
        }
        const targetTags = Array.isArray(b.targetTags) ? b.targetTags.filter((t): t is string => typeof t === 'string') : [];
        const untagged = Array.isArray(b.untaggedTargetRepositories) ? b.untaggedTargetRepositories.filter((t): t is string => typeof t === 'string') : [];
        const mode = typeof b.mode === 'string' ? b.mode : 'NoForce';
        const sameRegistry = typeof b.source?.resourceId === 'string' && b.source.resourceId.toLowerCase() === registryResourceId.toLowerCase();
        const [sourceRepository, sourceReference] = splitImage(sourceImage);
        const targets = [
            ...targetTags.map((t) => {
                const [repository, reference] = splitImage(t);
                // targetTags without a tag take the source tag, or `latest` (ImportImageParameters docs).
                const tag = reference.startsWith('sha256:') ? 'latest' : t.includes(':') ? reference : sourceReference.startsWith('sha256:') ? 'latest' : sourceReference;
                return { repository, tag };
            }),
            ...untagged.map((repository) => ({ repository })),
        ];
        const operationId = `registries-${randomUUID()}`;
        imports.set(operationId, {
            pollsLeft: importPolls,
            perform: () => {
                if (!sameRegistry) {
                    // Only same-registry imports are modelled; anything else is a missing source here.
                    return { ok: false, code: 'SOURCE_REGISTRY_NOT_FOUND', message: 'The source registry could not be found.' };
                }
                const result = registry.importManifest({ sourceRepository, sourceReference, targets, mode });
                return result.ok ? { ok: true } : result;
            },
        });
        return {
            status: 202,
            // The real service answers a literal JSON `null` (content-length 4) on this 202.
            body: null,
            headers: {
                Location: `${url}/subscriptions/${subscriptionId}/providers/Microsoft.ContainerRegistry/locations/${location.toUpperCase()}/operationResults/${operationId}?api-version=${apiVersion}`,
                'Retry-After': retryAfter,
            },
        };
    }

    function scheduleRun(body: unknown): Answer {
        const b = body as Record<string, unknown>;
        if (b?.['type'] !== 'EncodedTaskRunRequest') {
            throw new HttpError(400, armError('InvalidRunRequest', 'This test server models EncodedTaskRunRequest only.'));
        }
        if (typeof b['encodedTaskContent'] !== 'string') {
            throw new HttpError(400, armError('InvalidParameter', 'encodedTaskContent is required.'));
        }
        const values: Record<string, string> = { ...decodeSimpleYamlMap(decodeBase64(b['encodedValuesContent'])) };
        if (Array.isArray(b['values'])) {
            for (const v of b['values'] as Array<{ name?: unknown; value?: unknown }>) {
                if (typeof v?.name === 'string' && typeof v.value === 'string') values[v.name] = v.value;
            }
        }
        const record = taskRuns.schedule({
            taskYaml: decodeBase64(b['encodedTaskContent']),
            values,
            platform: b['platform'],
            timeoutSeconds: typeof b['timeout'] === 'number' ? b['timeout'] : undefined,
            request: b,
            registry,
        });
        // Real ACR answers 200 at once with the run Queued (azure-cli test_acr_abac_run recording).
        return { status: 200, body: runBody(record) };
    }

    // ---- Data plane ------------------------------------------------------------------------
    function dataPlane(req: IncomingMessage, path: string, query: URLSearchParams, body: string): Answer {
        if (path === '/oauth2/exchange' && req.method === 'POST') return tokens.exchange(new URLSearchParams(body));
        if (path === '/oauth2/token' && req.method === 'POST') return tokens.token(new URLSearchParams(body));

        const need = (scope: RequiredScope) => {
            const challenge = tokens.challenge(req.headers.authorization, `${url}/oauth2/token`, scope);
            if (challenge) throw new HttpError(401, challenge.body, challenge.headers);
        };
        const method = req.method ?? 'GET';

        if (path === '/acr/v1/_catalog' && method === 'GET') {
            need({ type: 'registry', name: 'catalog', action: '*' });
            const page = pageOf(registry.repositoryNames(), (r) => r, query);
            return withLink({ status: 200, body: { repositories: page.items } }, page.next, (last, n) => `/acr/v1/_catalog?last=${encodeURIComponent(last)}&n=${n}&orderby=`);
        }

        const acr = /^\/acr\/v1\/(.+?)\/(_tags|_manifests)(?:\/([^/]+))?$/.exec(path);
        if (acr) {
            const [, name, kind, reference] = acr as unknown as [string, string, '_tags' | '_manifests', string | undefined];
            const write = method === 'PATCH';
            need({ type: 'repository', name, action: write ? 'metadata_write' : 'metadata_read' });
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
        }

        const v2 = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(path);
        if (v2 && (method === 'GET' || method === 'HEAD')) {
            const [, name, kind, reference] = v2 as unknown as [string, string, string, string];
            need({ type: 'repository', name, action: 'pull' });
            if (kind === 'manifests') {
                const manifest = registry.resolve(name, reference);
                if (!manifest) throw new HttpError(404, acrErrors('MANIFEST_UNKNOWN', 'manifest tagged by "' + reference + '" is not found'));
                const tag = reference.includes(':') ? undefined : registry.tag(name, reference);
                if (!manifest.attributes.readEnabled || (tag && !tag.attributes.readEnabled)) {
                    throw new HttpError(403, acrErrors('DENIED', 'The operation is disallowed on this registry, repository or image.'));
                }
                return { status: 200, raw: manifest.content, contentType: manifest.mediaType, headers: { 'Docker-Content-Digest': manifest.digest } };
            }
            const blob = registry.blob(reference);
            if (!blob) throw new HttpError(404, acrErrors('BLOB_UNKNOWN', 'blob unknown to registry'));
            return { status: 200, raw: blob, contentType: 'application/octet-stream', headers: { 'Docker-Content-Digest': reference } };
        }
        throw new HttpError(404, acrErrors('NOT_FOUND', `No route for ${method} ${path}`));
    }

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

    // ---- Plumbing --------------------------------------------------------------------------
    const server: Server = createServer({ cert, key }, (req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
            void handle(req, res, Buffer.concat(chunks).toString('utf8'));
        });
    });

    async function handle(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
        const parsed = new URL(req.url ?? '/', url);
        const path = decodeURIComponent(parsed.pathname);
        let answer: Answer;
        try {
            answer = path.startsWith('/subscriptions/') ? await arm(req, path, parsed.searchParams, body) : dataPlane(req, path, parsed.searchParams, body);
        } catch (err) {
            answer = err instanceof HttpError
                ? { status: err.status, body: err.body, headers: err.headers }
                : { status: 500, body: armError('InternalServerError', String(err)) };
        }
        requests.push({ method: req.method ?? 'GET', path, query: Object.fromEntries(parsed.searchParams), status: answer.status });
        const payload = answer.raw ?? JSON.stringify(answer.body === undefined ? {} : answer.body);
        res.writeHead(answer.status, {
            'Content-Type': answer.contentType ?? 'application/json; charset=utf-8',
            'Content-Length': Buffer.byteLength(payload),
            'x-ms-request-id': randomUUID(),
            ...answer.headers,
        });
        res.end(req.method === 'HEAD' ? undefined : payload);
    }

    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

    return {
        url,
        armEndpoint: url,
        registryEndpoint: url,
        loginServer,
        registryName,
        subscriptionId,
        resourceGroup,
        registryResourceId,
        ca: cert,
        registry,
        tokens,
        requests,
        runs: () => taskRuns.all(),
        onRun: (behaviour) => taskRuns.setBehaviour(behaviour),
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}

interface Answer {
    status: number;
    body?: unknown;
    raw?: string;
    contentType?: string;
    headers?: Record<string, string>;
}

function tagJson(t: StoredTag) {
    return { name: t.name, digest: t.digest, createdTime: t.createdTime, lastUpdateTime: t.lastUpdateTime, signed: false, changeableAttributes: { ...t.attributes } };
}

/** `n`/`last` paging over a sorted list, as ACR's _catalog and _tags do. */
function pageOf<T>(items: readonly T[], key: (item: T) => string, query: URLSearchParams): { items: T[]; next?: { last: string; n: number } } {
    const n = Math.max(1, Math.min(Number.parseInt(query.get('n') ?? '100', 10) || 100, 1000));
    const last = query.get('last');
    const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    const start = last ? sorted.findIndex((i) => key(i) > last) : 0;
    const from = start < 0 ? sorted.length : start;
    const page = sorted.slice(from, from + n);
    const more = from + n < sorted.length;
    return { items: page, ...(more && page.length > 0 ? { next: { last: key(page[page.length - 1]!), n } } : {}) };
}

/** The next page is a relative link on the same host, with no api-version (as recorded). */
function withLink(answer: Answer, next: { last: string; n: number } | undefined, link: (last: string, n: number) => string): Answer {
    if (!next) return answer;
    return { ...answer, headers: { ...answer.headers, Link: `<${link(next.last, next.n)}>; rel="next"` } };
}

function attributesFrom(body: string): Partial<ChangeableAttributes> {
    let parsed = parseJson(body);
    // The spec example sends the attributes as a JSON string; accept both.
    if (typeof parsed === 'string') parsed = parseJson(parsed);
    if (!parsed || typeof parsed !== 'object') throw new HttpError(400, acrErrors('INVALID_REQUEST', 'expected a JSON object of changeable attributes'));
    return parsed as Partial<ChangeableAttributes>;
}

function parseJson(body: string): unknown {
    try {
        return body === '' ? undefined : JSON.parse(body);
    } catch {
        throw new HttpError(400, armError('InvalidRequestContent', 'The request content was invalid and could not be deserialized.'));
    }
}

/** `repo@sha256:…` → [repo, digest]; `repo:tag` → [repo, tag]; `repo` → [repo, 'latest']. */
function splitImage(image: string): [string, string] {
    const at = image.indexOf('@');
    if (at >= 0) return [image.slice(0, at), image.slice(at + 1)];
    const colon = image.lastIndexOf(':');
    if (colon > image.lastIndexOf('/')) return [image.slice(0, colon), image.slice(colon + 1)];
    return [image, 'latest'];
}

function decodeBase64(value: unknown): string {
    return typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : '';
}

/**
 * `encodedValuesContent` is a YAML map of plain scalars (`name: value` per line, as in the spec
 * example). The test server reads only that flat form; nested YAML is out of its scope.
 */
function decodeSimpleYamlMap(text: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const line of text.split(/\r?\n/)) {
        const m = /^([A-Za-z0-9_.-]+):\s*(.*?)\s*$/.exec(line);
        if (m) out[m[1]!] = m[2]!.replace(/^(['"])(.*)\1$/, '$2');
    }
    return out;
}

export type { ScheduledRun, RunBehaviour } from './taskRuns';
export type { RunOutcome, RunStatus } from './taskRuns';
export { RegistryState, MEDIA_TYPES } from './registryState';
