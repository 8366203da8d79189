import { BlobClient } from '@azure/storage-blob';
import type { RegistryRoleAssignmentMode } from '../config/settings';
import type { AcrConnection } from './acrConnection';
import { toRegistryError } from './restErrors';
import { runCredentialsFor, scheduleRun } from './scheduleRun';
import { assertSafeTaskValues, FINISHED_STATUSES, TaskRunError, type TaskRunner, type TaskRunRequest, type TaskRunState, type TaskRunStatus } from './taskRunner';
import { errorMessage } from '../errors/errorMessage';

export interface AcrTaskRunnerOptions {
    /** Logs larger than this are refused rather than read into memory (default 64 MiB). */
    readonly maxLogBytes?: number;
    /** Poll interval for scheduleRun's long-running operation, should ACR answer 202. */
    readonly schedulePollIntervalMs?: number;
    /**
     * The registry's permission mode (ACR_GUARD_REGISTRY_ROLE_ASSIGNMENT_MODE): on ABAC registries
     * runs are scheduled with the caller identity (scheduleRun.ts). Default ABAC, as the setting's.
     */
    readonly roleAssignmentMode?: RegistryRoleAssignmentMode;
}

const KNOWN_STATUSES = new Set<TaskRunStatus>(['Queued', 'Started', 'Running', 'Succeeded', 'Failed', 'Canceled', 'Error', 'Timeout']);

/**
 * TaskRunner over ACR's ARM API: an EncodedTaskRunRequest (base64 YAML + `values`) sent as a typed
 * REST call at the Tasks API version that carries the caller identity (scheduleRun.ts, through the
 * ARM client's pipeline), then `runs.get` and `runs.getLogSasUrl` of `@azure/arm-containerregistry`
 * 11.x (pinned: 12.0.0 removed `runs`), whose SAS link is read with `@azure/storage-blob`.
 */
export class AcrTaskRunner implements TaskRunner {
    private readonly maxLogBytes: number;
    private readonly schedulePollIntervalMs: number;
    private readonly roleAssignmentMode: RegistryRoleAssignmentMode;

    constructor(private readonly acr: AcrConnection, options: AcrTaskRunnerOptions = {}) {
        this.maxLogBytes = options.maxLogBytes ?? 64 * 1024 * 1024;
        this.schedulePollIntervalMs = options.schedulePollIntervalMs ?? 2000;
        this.roleAssignmentMode = options.roleAssignmentMode ?? 'AbacRepositoryPermissions';
    }

    async schedule(request: TaskRunRequest): Promise<{ runId: string }> {
        // Checked again here, whoever the caller is: a value is pasted into YAML by ACR.
        assertSafeTaskValues(request.values);
        if (!Number.isInteger(request.timeoutSeconds) || request.timeoutSeconds < 300 || request.timeoutSeconds > 28800) {
            throw new TaskRunError('invalid-request', `run timeout must be a whole number of seconds from 300 to 28800, got ${request.timeoutSeconds}`);
        }
        const credentials = runCredentialsFor(this.roleAssignmentMode);
        try {
            const run = await scheduleRun(
                this.acr.arm,
                this.acr.registry,
                {
                    type: 'EncodedTaskRunRequest',
                    encodedTaskContent: Buffer.from(request.taskYaml, 'utf8').toString('base64'),
                    values: Object.entries(request.values).map(([name, value]) => ({ name, value, isSecret: false })),
                    timeout: request.timeoutSeconds,
                    platform: { os: 'Linux', architecture: request.architecture ?? 'amd64' },
                    agentConfiguration: { cpu: request.cpu ?? 2 },
                    isArchiveEnabled: false,
                    ...(credentials ? { credentials } : {}),
                },
                { pollIntervalMs: this.schedulePollIntervalMs },
            );
            return { runId: run.runId };
        } catch (err) {
            if (err instanceof TaskRunError) throw err;
            throw new TaskRunError('schedule-failed', toRegistryError(err, 'scheduleRun').message, undefined, { cause: err });
        }
    }

    async get(runId: string): Promise<TaskRunState> {
        const { resourceGroup, registryName } = this.acr.registry;
        let run;
        try {
            run = await this.acr.arm.runs.get(resourceGroup, registryName, runId);
        } catch (err) {
            throw new TaskRunError('poll-failed', toRegistryError(err, `get run ${runId}`).message, runId, { cause: err });
        }
        const status = run.status as TaskRunStatus | undefined;
        if (!status || !KNOWN_STATUSES.has(status)) {
            throw new TaskRunError('poll-failed', `run ${runId} has an unknown status ${JSON.stringify(run.status)}`, runId);
        }
        return {
            runId,
            status,
            finished: FINISHED_STATUSES.has(status),
            ...(run.runErrorMessage ? { errorMessage: run.runErrorMessage } : {}),
            ...(run.startTime ? { startTime: run.startTime } : {}),
            ...(run.finishTime ? { finishTime: run.finishTime } : {}),
        };
    }

    async readLog(runId: string): Promise<string> {
        const { resourceGroup, registryName } = this.acr.registry;
        let link: string | undefined;
        try {
            link = (await this.acr.arm.runs.getLogSasUrl(resourceGroup, registryName, runId)).logLink;
        } catch (err) {
            throw new TaskRunError('log-unavailable', toRegistryError(err, `get log link of run ${runId}`).message, runId, { cause: err });
        }
        if (!link) throw new TaskRunError('log-unavailable', `run ${runId} has no log link`, runId);
        try {
            const blob = new BlobClient(link);
            const { contentLength } = await blob.getProperties();
            if (contentLength !== undefined && contentLength > this.maxLogBytes) {
                throw new TaskRunError('log-unavailable', `run ${runId} log is ${contentLength} bytes, over the ${this.maxLogBytes} byte limit`, runId);
            }
            return (await blob.downloadToBuffer()).toString('utf8');
        } catch (err) {
            if (err instanceof TaskRunError) throw err;
            throw new TaskRunError('log-unavailable', `reading the log of run ${runId} failed: ${errorMessage(err)}`, runId, { cause: err });
        }
    }
}
