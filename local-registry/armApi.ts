import { randomUUID } from 'node:crypto';
import type { RequestInfo } from './eventGridEvents';
import { armError, HttpError, parseJson, type Answer, type RegistryRequest } from './httpAnswer';
import type { RegistryState } from './registryState';
import type { RunOutcome, RunRecord, TaskRuns } from './taskRuns';

/** ARM's `roleAssignmentMode` of a registry. */
export type RoleAssignmentMode = 'AbacRepositoryPermissions' | 'LegacyRegistryPermissions';

/**
 * The first (and only) ACR Tasks API version whose run requests carry
 * `credentials.sourceRegistry.identity` (azure-rest-api-specs, RegistryTasks/main.tsp and models.tsp).
 * Older versions have no such field, so ARM would drop it: the local registry ignores it there too.
 */
const IDENTITY_API_VERSION = '2025-03-01-preview';

/** Who the registry is in ARM's eyes. */
export interface ArmIdentity {
    readonly registryName: string;
    readonly subscriptionId: string;
    readonly resourceGroup: string;
    readonly location: string;
    readonly loginServer: string;
    readonly registryResourceId: string;
}

export interface ArmApiOptions {
    readonly identity: ArmIdentity;
    readonly registry: RegistryState;
    readonly taskRuns: TaskRuns;
    /** How many polls of an import's Location answer 202 before the final answer. */
    readonly importPolls: number;
    /** Retry-After on 202 answers, in seconds. */
    readonly retryAfter: string;
    /**
     * scheduleRun answers 202 + Location and the Location this many times before 200 with the Run
     * (the operation's long-running contract in the specs); 0 (default) = 200 at once, as recorded.
     */
    readonly scheduleRunPolls?: number;
    /** Where the registry runs the pulling tools from (the plain-HTTP listener), when it has one. */
    readonly pullAddress: () => string | undefined;
    readonly requestInfo: (req: RegistryRequest) => RequestInfo;
    /**
     * The registry's permission mode. ABAC (the default, as acr-guard deploys registries and as
     * Microsoft announced for all registries): a task run has no data-plane access of its own, so a
     * run scheduled without `credentials.sourceRegistry.identity` fails when it pulls.
     */
    readonly roleAssignmentMode: RoleAssignmentMode;
}

type ImportResult = { ok: true } | { ok: false; code: string; message: string };

interface ImportOperation {
    pollsLeft: number;
    readonly perform: () => ImportResult;
    result?: ImportResult;
}

/**
 * The ARM (management.azure.com) operations acr-guard calls on its registry: registries get,
 * importImage (202 + Location long-running operation), scheduleRun (EncodedTaskRunRequest),
 * runs get and runs listLogSasUrl. Shaped after ../shared/fixtures/acr-http/arm (conformance.test.ts).
 * Any bearer token is accepted: this is a local registry, not a security boundary.
 */
export function armApi(options: ArmApiOptions): (req: RegistryRequest) => Promise<Answer> {
    const { identity, registry, taskRuns, importPolls, retryAfter } = options;
    const { registryResourceId, registryName, subscriptionId, resourceGroup, location, loginServer } = identity;
    const imports = new Map<string, ImportOperation>();
    const scheduling = new Map<string, { pollsLeft: number; readonly record: RunRecord }>();

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
            roleAssignmentMode: options.roleAssignmentMode,
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

    const operationLocation = (req: RegistryRequest, operationId: string, apiVersion: string) =>
        `${req.origin}/subscriptions/${subscriptionId}/providers/Microsoft.ContainerRegistry/locations/${location.toUpperCase()}/operationResults/${operationId}?api-version=${apiVersion}`;

    function startImport(req: RegistryRequest, body: unknown, apiVersion: string): Answer {
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
        const request = { ...options.requestInfo(req), method: 'POST' };
        imports.set(operationId, {
            pollsLeft: importPolls,
            perform: () => {
                if (!sameRegistry) {
                    // Only same-registry imports are modelled; anything else is a missing source here.
                    return { ok: false, code: 'SOURCE_REGISTRY_NOT_FOUND', message: 'The source registry could not be found.' };
                }
                const result = registry.importManifest({ sourceRepository, sourceReference, targets, mode, request });
                return result.ok ? { ok: true } : result;
            },
        });
        return {
            status: 202,
            // The real service answers a literal JSON `null` (content-length 4) on this 202.
            body: null,
            headers: {
                Location: `${req.origin}/subscriptions/${subscriptionId}/providers/Microsoft.ContainerRegistry/locations/${location.toUpperCase()}/operationResults/${operationId}?api-version=${apiVersion}`,
                'Retry-After': retryAfter,
            },
        };
    }

    function scheduleRun(req: RegistryRequest, body: unknown, apiVersion: string): Answer {
        const b = body as Record<string, unknown>;
        if (b?.['type'] !== 'EncodedTaskRunRequest') {
            throw new HttpError(400, armError('InvalidRunRequest', 'The local registry runs EncodedTaskRunRequest only.'));
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
        const pullAddress = options.pullAddress();
        const identity = apiVersion >= IDENTITY_API_VERSION ? sourceRegistryIdentity(b['credentials']) : undefined;
        // On an ABAC registry a run without an identity is accepted and queued like any other, and
        // then cannot pull from its own registry (docs: quick runs "no longer have default data-plane
        // access"). The real run's log text is not recorded anywhere we could read: this one is modelled
        // on docker's denial, and nothing should branch on it beyond the Failed status.
        const denied = options.roleAssignmentMode === 'AbacRepositoryPermissions' && identity === undefined;
        const record = taskRuns.schedule({
            taskYaml: decodeBase64(b['encodedTaskContent']),
            values,
            platform: b['platform'],
            timeoutSeconds: typeof b['timeout'] === 'number' ? b['timeout'] : undefined,
            request: b,
            registry,
            loginServer,
            ...(pullAddress ? { pullAddress } : {}),
            ...(identity !== undefined ? { sourceRegistryIdentity: identity } : {}),
        }, denied ? () => pullDenied(loginServer) : undefined);
        if ((options.scheduleRunPolls ?? 0) > 0) {
            const operationId = `runs-${randomUUID()}`;
            scheduling.set(operationId, { pollsLeft: options.scheduleRunPolls! - 1, record });
            return { status: 202, body: null, headers: { Location: operationLocation(req, operationId, apiVersion), 'Retry-After': retryAfter } };
        }
        // Real ACR answers 200 at once with the run Queued (azure-cli test_acr_abac_run recording).
        return { status: 200, body: runBody(record) };
    }

    return async (req) => {
        const { path, query } = req;
        if (!/^Bearer .+/i.test(req.headers.authorization ?? '')) {
            throw new HttpError(401, armError('AuthenticationFailed', 'Authentication failed. The Authorization header is missing.'), {
                'WWW-Authenticate': 'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token"',
            });
        }
        const apiVersion = query.get('api-version');
        if (!apiVersion) throw new HttpError(400, armError('MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.'));

        const runOp = /^\/subscriptions\/[^/]+\/providers\/Microsoft\.ContainerRegistry\/locations\/[^/]+\/operationResults\/(runs-[0-9a-f-]+)$/i.exec(path);
        if (runOp && req.method === 'GET') {
            const operation = scheduling.get(runOp[1]!);
            if (!operation) throw new HttpError(404, armError('ResourceNotFound', `Operation ${runOp[1]} was not found.`));
            if (operation.pollsLeft > 0) {
                operation.pollsLeft -= 1;
                return { status: 202, body: null, headers: { Location: `${req.origin}${path}?api-version=${apiVersion}`, 'Retry-After': retryAfter } };
            }
            return { status: 200, body: runBody(operation.record) };
        }
        const op = /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.ContainerRegistry\/locations\/([^/]+)\/operationResults\/(registries-[0-9a-f-]+)$/i.exec(path);
        if (op && req.method === 'GET') {
            const operation = imports.get(op[3]!);
            if (!operation) throw new HttpError(404, armError('ResourceNotFound', `Operation ${op[3]} was not found.`));
            if (operation.pollsLeft > 0) {
                operation.pollsLeft -= 1;
                return { status: 202, body: null, headers: { Location: `${req.origin}${path}?api-version=${apiVersion}`, 'Retry-After': retryAfter } };
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
        const body = req.body.toString('utf8');
        if (rest === '' && req.method === 'GET') return { status: 200, body: registryBody() };
        if (rest === '/importImage' && req.method === 'POST') return startImport(req, parseJson(body), apiVersion);
        if (rest === '/scheduleRun' && req.method === 'POST') return scheduleRun(req, parseJson(body), apiVersion);
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
    };
}

/** `credentials.sourceRegistry.identity` of a run request, when it is a non-empty string. */
function sourceRegistryIdentity(credentials: unknown): string | undefined {
    const identity = (credentials as { sourceRegistry?: { identity?: unknown } } | undefined)?.sourceRegistry?.identity;
    return typeof identity === 'string' && identity !== '' ? identity : undefined;
}

/** What a run on an ABAC registry without the caller's (or a managed) identity ends as: its first pull is denied. */
function pullDenied(loginServer: string): RunOutcome {
    const message =
        `pull access denied for ${loginServer}: the registry uses ABAC repository permissions and the run has no identity ` +
        `(schedule it with credentials.sourceRegistry.identity, e.g. "[caller]", api-version ${IDENTITY_API_VERSION} or later)`;
    return { status: 'Failed', log: `Error response from daemon: ${message}: denied: requested access to the resource is denied\n`, errorMessage: message };
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
 * example). Only that flat form is read; nested YAML is out of scope.
 */
function decodeSimpleYamlMap(text: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const line of text.split(/\r?\n/)) {
        const m = /^([A-Za-z0-9_.-]+):\s*(.*?)\s*$/.exec(line);
        if (m) out[m[1]!] = m[2]!.replace(/^(['"])(.*)\1$/, '$2');
    }
    return out;
}
