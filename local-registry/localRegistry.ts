import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { userInfo } from 'node:os';
import { acrMetadataApi, type Authorize } from './acrMetadataApi';
import { armApi, type RoleAssignmentMode } from './armApi';
import { ContentStore } from './contentStore';
import { DataPlaneTokens } from './dataPlaneAuth';
import { distributionApi } from './distributionApi';
import { DistributionError } from './distributionErrors';
import { eventGridEventsOf, type RequestInfo } from './eventGridEvents';
import { EventGridNotifier } from './eventGridNotifier';
import { acrErrors, armError, HttpError, type Answer, type RegistryRequest } from './httpAnswer';
import { localTaskExecutor } from './localTaskExecutor';
import { MAX_HISTORY, RegistryState } from './registryState';
import { createSelfSignedCertificate, type SelfSignedCertificate } from './selfSignedCertificate';
import { TaskRuns, type ScheduledRun, type TaskExecutor } from './taskRuns';

/**
 * The local registry: a small server that speaks the parts of Azure Container Registry that
 * acr-guard uses, so the whole chain runs on a laptop and in tests.
 * - HTTPS (always; the Azure SDK clients refuse bearer tokens over plain HTTP, see
 *   selfSignedCertificate.ts): ARM (registries get, importImage, scheduleRun, runs get,
 *   listLogSasUrl) and the data plane with ACR's token flow (/oauth2, /acr/v1, /v2).
 * - plain HTTP on 127.0.0.1 (optional, `httpPort`): the data plane without authentication, for
 *   docker, skopeo and oras, which treat localhost registries as insecure-allowed.
 * Each push and delete can be delivered to an Event Grid webhook (`webhookUrl`) as ACR's system
 * topic delivers it; task runs are done by a pluggable executor (by default the local one, which
 * runs Trivy on this machine).
 */
export interface LocalRegistryOptions {
    /** Azurite's connection string: run logs are uploaded to its blob service and handed out as SAS links. */
    readonly azuriteConnectionString: string;
    readonly registryName?: string;
    readonly subscriptionId?: string;
    readonly resourceGroup?: string;
    readonly location?: string;
    /** The login server the registry answers as (events' request.host, image references). Default `<registryName>.azurecr.io`. */
    readonly loginServer?: string;
    /** Address to listen on (default 127.0.0.1: the plain-HTTP listener has no authentication). */
    readonly host?: string;
    /** HTTPS port (default 0: any free port). */
    readonly httpsPort?: number;
    /** Plain-HTTP port; omit for no plain-HTTP listener, 0 for any free port. */
    readonly httpPort?: number;
    /** Keeps blobs, manifests, tags and the TLS certificate here across restarts (default: in memory). */
    readonly dataDir?: string;
    /** Event Grid subscriber webhook to deliver ImagePushed/ImageDeleted to (default: none). */
    readonly webhookUrl?: string;
    readonly webhookMaxRetries?: number;
    readonly webhookRetryDelayMs?: number;
    /** Who pushes over plain HTTP (`data.actor.name`): default the OS user. */
    readonly actor?: string;
    /** Runs scheduled tasks (default: localTaskExecutor(), Trivy on this machine). */
    readonly executor?: TaskExecutor;
    /** A TLS certificate to use instead of a new self-signed one. */
    readonly certificate?: SelfSignedCertificate;
    /** How many polls of an import's Location answer 202 before the final answer (default 1). */
    readonly importPollsInProgress?: number;
    /** scheduleRun answers 202 + Location, polled this many times, before the Run (default 0: 200 at once, as recorded). */
    readonly scheduleRunPolls?: number;
    /** Retry-After on 202 answers, in seconds (ACR sends 10; tests want 0, the default). */
    readonly retryAfterSeconds?: number;
    /**
     * The registry's permission mode (`properties.roleAssignmentMode`). Default ABAC, as acr-guard's
     * deployment: a task run scheduled without `credentials.sourceRegistry.identity` fails its pull.
     */
    readonly roleAssignmentMode?: RoleAssignmentMode;
    /** Where one-line diagnostics go (undelivered events). Default: console.warn. */
    readonly log?: (line: string) => void;
}

export interface RecordedRequest {
    readonly method: string;
    readonly path: string;
    readonly query: Readonly<Record<string, string>>;
    readonly status: number;
}

export interface LocalRegistry {
    /** https://127.0.0.1:PORT: both the ARM endpoint and the registry's data-plane endpoint. */
    readonly url: string;
    /** http://localhost:PORT when the plain-HTTP listener runs. */
    readonly httpUrl?: string;
    /** `localhost:PORT` of the plain-HTTP listener (what docker/skopeo/oras push to). */
    readonly pushAddress?: string;
    readonly armEndpoint: string;
    readonly registryEndpoint: string;
    /** The login server names the registry (e.g. in image references and events). */
    readonly loginServer: string;
    readonly registryName: string;
    readonly subscriptionId: string;
    readonly resourceGroup: string;
    readonly registryResourceId: string;
    /** The PEM certificate to trust: pass `tlsOptions: { ca }` in the SDK clients' options. */
    readonly ca: string;
    readonly registry: RegistryState;
    readonly tokens: DataPlaneTokens;
    /** The Event Grid delivery, when a webhook is configured. */
    readonly notifier?: EventGridNotifier;
    /** Every request the server answered, in order (the last MAX_HISTORY). */
    readonly requests: RecordedRequest[];
    /** Every run scheduled, decoded. */
    runs(): ScheduledRun[];
    /** Plug the task executor; applies to runs scheduled after. */
    onRun(executor: TaskExecutor): void;
    close(): Promise<void>;
}

export async function startLocalRegistry(options: LocalRegistryOptions): Promise<LocalRegistry> {
    const registryName = options.registryName ?? 'acrguardlocal';
    const subscriptionId = options.subscriptionId ?? '00000000-0000-0000-0000-000000000000';
    const resourceGroup = options.resourceGroup ?? 'rg-acr-guard';
    const location = options.location ?? 'westus';
    const loginServer = options.loginServer ?? `${registryName}.azurecr.io`;
    const registryResourceId = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerRegistry/registries/${registryName}`;
    const host = options.host ?? '127.0.0.1';
    const log = options.log ?? ((line: string) => console.warn(line));
    const actor = options.actor ?? safeUserName();

    const registry = new RegistryState(undefined, options.dataDir ? ContentStore.inDirectory(options.dataDir) : ContentStore.inMemory());
    const tokens = new DataPlaneTokens(loginServer);
    const taskRuns = new TaskRuns(options.azuriteConnectionString, options.executor ?? localTaskExecutor());
    const requests: RecordedRequest[] = [];
    const { cert, key } = options.certificate ?? createSelfSignedCertificate(options.dataDir);
    let httpsUrl = '';
    let pushAddress: string | undefined;

    const notifier = options.webhookUrl
        ? new EventGridNotifier({
              url: options.webhookUrl,
              ...(options.webhookMaxRetries !== undefined ? { maxRetries: options.webhookMaxRetries } : {}),
              ...(options.webhookRetryDelayMs !== undefined ? { retryDelayMs: options.webhookRetryDelayMs } : {}),
              log,
          })
        : undefined;
    if (notifier) {
        registry.onEvent((event, details) => {
            notifier.send(eventGridEventsOf(event, details, { topic: registryResourceId, loginServer, location }));
        });
    }

    const requestInfo = (req: RegistryRequest): RequestInfo => {
        const useragent = req.headers['user-agent'];
        // Over HTTPS the caller is whoever holds a token; ACR would name the identity, the local registry cannot.
        const basicUser = /^Basic (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
        const name = basicUser ? Buffer.from(basicUser, 'base64').toString('utf8').split(':')[0] : actor;
        return {
            id: req.requestId,
            method: req.method,
            ...(useragent ? { useragent } : {}),
            ...(req.remoteAddress ? { addr: req.remoteAddress } : {}),
            ...(name ? { actor: name } : {}),
        };
    };

    const authorize: Authorize = (req, scope) => {
        if (!req.secure) return;
        const realm = `${req.origin}/oauth2/token`;
        const challenge = scope ? tokens.challenge(req.headers.authorization, realm, scope) : tokens.challengeAny(req.headers.authorization, realm);
        if (challenge) throw new HttpError(401, challenge.body, challenge.headers);
    };

    const arm = armApi({
        identity: { registryName, subscriptionId, resourceGroup, location, loginServer, registryResourceId },
        registry,
        taskRuns,
        importPolls: options.importPollsInProgress ?? 1,
        retryAfter: String(options.retryAfterSeconds ?? 0),
        pullAddress: () => pushAddress,
        requestInfo,
        roleAssignmentMode: options.roleAssignmentMode ?? 'AbacRepositoryPermissions',
        ...(options.scheduleRunPolls !== undefined ? { scheduleRunPolls: options.scheduleRunPolls } : {}),
    });
    const acrMetadata = acrMetadataApi(registry, loginServer, authorize);
    const distribution = distributionApi(registry, authorize, requestInfo);

    async function route(req: RegistryRequest): Promise<Answer> {
        if (req.secure && req.path.startsWith('/subscriptions/')) return arm(req);
        if (req.secure && req.path === '/oauth2/exchange' && req.method === 'POST') return tokens.exchange(new URLSearchParams(req.body.toString('utf8')));
        if (req.secure && req.path === '/oauth2/token' && req.method === 'POST') return tokens.token(new URLSearchParams(req.body.toString('utf8')));
        const answer = (req.path.startsWith('/acr/v1/') ? acrMetadata(req) : undefined) ?? (req.path.startsWith('/v2') ? distribution(req) : undefined);
        if (answer) return answer;
        throw new HttpError(404, acrErrors('NOT_FOUND', `No route for ${req.method} ${req.path}`));
    }

    const listener = (secure: boolean) => (req: IncomingMessage, res: ServerResponse) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => void handle(req, res, Buffer.concat(chunks), secure));
    };

    async function handle(req: IncomingMessage, res: ServerResponse, body: Buffer, secure: boolean): Promise<void> {
        const origin = secure ? httpsUrl : `http://${req.headers.host ?? pushAddress}`;
        const parsed = new URL(req.url ?? '/', origin);
        let path: string;
        try {
            path = decodeURIComponent(parsed.pathname);
        } catch {
            path = parsed.pathname;
        }
        const requestId = randomUUID();
        let answer: Answer;
        try {
            answer = await route({
                method: req.method ?? 'GET',
                path,
                query: parsed.searchParams,
                headers: req.headers,
                body,
                origin,
                secure,
                requestId,
                ...(req.socket.remoteAddress ? { remoteAddress: req.socket.remoteAddress } : {}),
            });
        } catch (err) {
            answer = err instanceof HttpError || err instanceof DistributionError
                ? { status: err.status, body: err.body, headers: err.headers }
                : { status: 500, body: armError('InternalServerError', String(err)) };
        }
        requests.push({ method: req.method ?? 'GET', path, query: Object.fromEntries(parsed.searchParams), status: answer.status });
        if (requests.length > MAX_HISTORY) requests.splice(0, requests.length - MAX_HISTORY);
        const payload = answer.raw ?? JSON.stringify(answer.body === undefined ? {} : answer.body);
        res.writeHead(answer.status, {
            'Content-Type': answer.contentType ?? 'application/json; charset=utf-8',
            'Content-Length': Buffer.byteLength(payload),
            'x-ms-request-id': requestId,
            ...answer.headers,
        });
        res.end(req.method === 'HEAD' ? undefined : payload);
    }

    const servers: Server[] = [];
    const https = createHttpsServer({ cert, key }, listener(true));
    servers.push(https);
    await listen(https, options.httpsPort ?? 0, host);
    httpsUrl = `https://${host.includes(':') ? `[${host}]` : host}:${(https.address() as AddressInfo).port}`;
    let httpUrl: string | undefined;
    if (options.httpPort !== undefined) {
        const http = createHttpServer(listener(false));
        servers.push(http);
        try {
            await listen(http, options.httpPort, host);
        } catch (err) {
            await closeAll(servers);
            throw err;
        }
        const port = (http.address() as AddressInfo).port;
        pushAddress = `localhost:${port}`;
        httpUrl = `http://${pushAddress}`;
    }

    return {
        url: httpsUrl,
        ...(httpUrl ? { httpUrl } : {}),
        ...(pushAddress ? { pushAddress } : {}),
        armEndpoint: httpsUrl,
        registryEndpoint: httpsUrl,
        loginServer,
        registryName,
        subscriptionId,
        resourceGroup,
        registryResourceId,
        ca: cert,
        registry,
        tokens,
        ...(notifier ? { notifier } : {}),
        requests,
        runs: () => taskRuns.all(),
        onRun: (executor) => taskRuns.setBehaviour(executor),
        close: async () => {
            await closeAll(servers);
            await notifier?.idle();
        },
    };
}

function listen(server: Server, port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
            server.off('error', reject);
            resolve();
        });
    });
}

function closeAll(servers: Server[]): Promise<unknown> {
    return Promise.all(
        servers.map(
            (s) =>
                new Promise<void>((resolve) => {
                    s.closeAllConnections();
                    s.close(() => resolve());
                }),
        ),
    );
}

function safeUserName(): string | undefined {
    try {
        return userInfo().username;
    } catch {
        // No user entry (some containers): events then carry no actor, as many ACR samples do.
        return undefined;
    }
}

export { MEDIA_TYPES, RegistryState } from './registryState';
export type { RunOutcome, RunStatus, ScheduledRun, RunBehaviour, TaskExecutor } from './taskRuns';
export type { RoleAssignmentMode } from './armApi';
