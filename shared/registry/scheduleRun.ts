import type { ContainerRegistryManagementClient } from '@azure/arm-containerregistry';
import { createHttpHeaders, createPipelineRequest, RestError, type PipelineResponse } from '@azure/core-rest-pipeline';
import type { RegistryRoleAssignmentMode } from '../config/settings';
import type { RegistryResourceId } from './armResourceId';

/*
 * `POST …/registries/{registry}/scheduleRun` as a typed REST call, because the pinned
 * `@azure/arm-containerregistry` 11.x (api-version 2019-06-01-preview) cannot express what ABAC
 * registries need, and 12.x removed task runs altogether.
 *
 * Sources (Azure/azure-rest-api-specs, specification/containerregistry/resource-manager/
 * Microsoft.ContainerRegistry/RegistryTasks/):
 * - main.tsp: the ACR Tasks API has one version, `2025-03-01-preview`;
 * - models.tsp: `EncodedTaskRunRequest.credentials?: Credentials`, `Credentials.sourceRegistry?:
 *   SourceRegistryCredentials`, `SourceRegistryCredentials.identity?: string` — "The Entra identity used
 *   for source registry login. The value is `[system]` for system-assigned managed identity, `[caller]`
 *   for caller identity, and client ID for user-assigned managed identity.";
 * - preview/2025-03-01-preview/examples/RegistriesScheduleRun_EncodedTaskRun.json: the request body
 *   (type, values, platform, agentConfiguration, encodedTaskContent) and its 200 answer, a Run.
 * Azure CLI (Azure/azure-cli, src/azure-cli/azure/cli/command_modules/acr/build.py): `az acr build/run
 * --source-acr-auth-id` computes `registry_abac_enabled = registry.role_assignment_mode ==
 * ABAC_REPOSITORY_PERMISSIONS` and passes the id as the run request's source-registry credentials;
 * `[caller]` is what users pass for "RBAC Registry + ABAC Repository Permissions" registries.
 * Docs (container-registry-rbac-abac-repository-permissions): on ABAC registries quick runs "no longer
 * have default data-plane access" to their registry. So: ABAC → `[caller]` (the run acts as the app's
 * identity and its repository roles, infra/modules/registry-access.bicep); legacy → no credentials
 * (whether legacy registries accept `[caller]` is unverified, so it is not sent there).
 */

/** The ACR Tasks API version that carries `credentials.sourceRegistry.identity`. */
export const TASKS_API_VERSION = '2025-03-01-preview';

/** `credentials.sourceRegistry.identity` value for the caller's own identity (the app's managed identity). */
export const CALLER_IDENTITY = '[caller]';

export interface SourceRegistryCredentials {
    readonly sourceRegistry: { readonly identity: string };
}

/** The EncodedTaskRunRequest acr-guard sends (a subset of the spec's model). */
export interface EncodedTaskRunRequestBody {
    readonly type: 'EncodedTaskRunRequest';
    readonly encodedTaskContent: string;
    readonly values: ReadonlyArray<{ readonly name: string; readonly value: string; readonly isSecret: boolean }>;
    readonly timeout: number;
    readonly platform: { readonly os: 'Linux'; readonly architecture: string };
    readonly agentConfiguration: { readonly cpu: number };
    readonly isArchiveEnabled: boolean;
    readonly credentials?: SourceRegistryCredentials;
}

/** The credentials a run request needs on a registry in this mode: the caller identity on ABAC registries, none otherwise. */
export function runCredentialsFor(mode: RegistryRoleAssignmentMode): SourceRegistryCredentials | undefined {
    return mode === 'AbacRepositoryPermissions' ? { sourceRegistry: { identity: CALLER_IDENTITY } } : undefined;
}

export interface ScheduleRunOptions {
    /** Poll interval should ACR answer 202 + Location (the older contract of this operation). */
    readonly pollIntervalMs: number;
    /** How many polls of a 202 before giving up (the run may still be queued; it is not trusted then). */
    readonly maxPolls?: number;
    readonly sleep?: (ms: number) => Promise<void>;
}

interface RunBody {
    readonly properties?: { readonly runId?: unknown; readonly status?: unknown };
}

/**
 * Schedules the run through the ARM client's own pipeline (its credential, ARM token scope, TLS and
 * retry options) and resolves with the run id. Non-2xx answers become RestError (statusCode, code),
 * like every SDK call, so callers map them with toRegistryError.
 */
export async function scheduleRun(
    arm: ContainerRegistryManagementClient,
    registry: RegistryResourceId,
    body: EncodedTaskRunRequestBody,
    options: ScheduleRunOptions,
): Promise<{ runId: string; status: string | undefined }> {
    const host = arm.$host.replace(/\/+$/, '');
    const path =
        `/subscriptions/${encodeURIComponent(registry.subscriptionId)}/resourceGroups/${encodeURIComponent(registry.resourceGroup)}` +
        `/providers/Microsoft.ContainerRegistry/registries/${encodeURIComponent(registry.registryName)}/scheduleRun`;
    let response = await send(arm, 'POST', `${host}${path}?api-version=${TASKS_API_VERSION}`, JSON.stringify(body));
    const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    for (let polls = 0; response.status === 202; polls++) {
        const location = response.headers.get('azure-asyncoperation') ?? response.headers.get('location');
        if (!location) throw restError('scheduleRun answered 202 without a Location to follow', response);
        if (polls >= (options.maxPolls ?? 120)) throw restError(`scheduleRun still not done after ${polls} polls`, response);
        await sleep(options.pollIntervalMs);
        response = await send(arm, 'GET', location);
    }
    const run = parseBody(response) as RunBody | undefined;
    const runId = run?.properties?.runId;
    if (typeof runId !== 'string' || runId === '') throw restError('scheduleRun answered without a run id', response);
    return { runId, status: typeof run?.properties?.status === 'string' ? run.properties.status : undefined };
}

async function send(arm: ContainerRegistryManagementClient, method: 'GET' | 'POST', url: string, body?: string): Promise<PipelineResponse> {
    const request = createPipelineRequest({
        url,
        method,
        headers: createHttpHeaders({ accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }),
        ...(body !== undefined ? { body } : {}),
    });
    const response = await arm.sendRequest(request);
    if (response.status >= 200 && response.status < 300) return response;
    const error = (parseBody(response) as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    throw new RestError(typeof error?.message === 'string' ? error.message : `HTTP ${response.status}`, {
        statusCode: response.status,
        ...(typeof error?.code === 'string' ? { code: error.code } : {}),
        request,
        response,
    });
}

function parseBody(response: PipelineResponse): unknown {
    if (!response.bodyAsText) return undefined;
    try {
        return JSON.parse(response.bodyAsText) as unknown;
    } catch {
        return undefined;
    }
}

function restError(message: string, response: PipelineResponse): RestError {
    return new RestError(message, { statusCode: response.status, response, request: response.request });
}
