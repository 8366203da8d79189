import { BlobServiceClient, BlobSASPermissions, type ContainerClient } from '@azure/storage-blob';
import { randomBytes } from 'node:crypto';
import type { RegistryState } from './registryState';

/** What a test sees of a scheduled run: the decoded task definition and its values. */
export interface ScheduledRun {
    readonly runId: string;
    /** The task YAML, decoded from `encodedTaskContent`. */
    readonly taskYaml: string;
    /** `values` (name → value) merged over the decoded `encodedValuesContent`. */
    readonly values: Readonly<Record<string, string>>;
    readonly platform: unknown;
    readonly timeoutSeconds: number | undefined;
    /** The request body exactly as received. */
    readonly request: Record<string, unknown>;
    /** The registry, so a run can push images (e.g. a patch run). */
    readonly registry: RegistryState;
    /** The registry's login server, as image references in the task values name it. */
    readonly loginServer: string;
    /** `host:port` of the plain-HTTP listener on this machine (for tools that pull), when there is one. */
    readonly pullAddress?: string;
    /** `credentials.sourceRegistry.identity` the run was scheduled with (`[caller]`, `[system]`, a client id), when any. */
    readonly sourceRegistryIdentity?: string;
}

export type RunStatus = 'Succeeded' | 'Failed' | 'Canceled' | 'Error' | 'Timeout';

export interface RunOutcome {
    readonly status: RunStatus;
    /** The raw text log ACR would store for the run. */
    readonly log: string;
    readonly errorMessage?: string;
}

/**
 * What a run does: the task executor. The local one (localTaskExecutor.ts) runs Trivy on this
 * machine; tests plug in recorded behaviour (test/acr-server/trivyScanRun.ts). A promise that
 * never settles models a run that never ends.
 */
export type TaskExecutor = (run: ScheduledRun) => RunOutcome | Promise<RunOutcome>;
/** The name tests know the executor by. */
export type RunBehaviour = TaskExecutor;

interface RunRecord {
    readonly scheduled: ScheduledRun;
    readonly createTime: string;
    startTime?: string;
    finishTime?: string;
    /** Queued → Running → final; each GET advances at most one step, like a run observed over time. */
    status: 'Queued' | 'Running' | RunStatus;
    outcome?: RunOutcome;
    logUploaded?: string;
}

/**
 * Task runs of the local registry. Logs are uploaded to a real blob service (Azurite) and handed
 * out as SAS links, exactly as `listLogSasUrl` does in ACR (the app reads them with a BlobClient).
 */
export class TaskRuns {
    private readonly runs = new Map<string, RunRecord>();
    private behaviour: TaskExecutor;
    private readonly logs: ContainerClient;
    private containerReady: Promise<unknown> | undefined;
    private counter = 0;

    constructor(azuriteConnectionString: string, executor: TaskExecutor) {
        this.behaviour = executor;
        const container = `acr-run-logs-${randomBytes(4).toString('hex')}`;
        this.logs = BlobServiceClient.fromConnectionString(azuriteConnectionString).getContainerClient(container);
    }

    setBehaviour(behaviour: TaskExecutor): void {
        this.behaviour = behaviour;
    }

    all(): ScheduledRun[] {
        return [...this.runs.values()].map((r) => r.scheduled);
    }

    /** `executor` replaces the configured behaviour for this run only (a run the registry itself fails). */
    schedule(input: Omit<ScheduledRun, 'runId'>, executor?: TaskExecutor): RunRecord {
        this.counter += 1;
        // ACR run ids are short: a registry-specific two-letter prefix and a base-36 counter ("cf1").
        const runId = `ca${this.counter.toString(36)}`;
        const record: RunRecord = { scheduled: { ...input, runId }, createTime: new Date().toISOString(), status: 'Queued' };
        this.runs.set(runId, record);
        Promise.resolve()
            .then(() => (executor ?? this.behaviour)(record.scheduled))
            .then(
                (outcome) => (record.outcome = outcome),
                (err: unknown) => (record.outcome = { status: 'Error', log: `the task executor failed: ${String(err)}\n`, errorMessage: String(err) }),
            );
        return record;
    }

    /** Advances the run by one observation and returns it; undefined for an unknown id. */
    async observe(runId: string): Promise<RunRecord | undefined> {
        const record = this.runs.get(runId);
        if (!record) return undefined;
        if (record.status === 'Queued') {
            record.status = 'Running';
            record.startTime = new Date().toISOString();
        } else if (record.status === 'Running' && record.outcome) {
            await this.uploadLog(runId, record.outcome.log);
            record.logUploaded = record.outcome.log;
            record.status = record.outcome.status;
            record.finishTime = new Date().toISOString();
        }
        return record;
    }

    get(runId: string): RunRecord | undefined {
        return this.runs.get(runId);
    }

    /** A read-only SAS link to the run's log blob (the partial log while the run is not finished). */
    async logLink(runId: string): Promise<string | undefined> {
        const record = this.runs.get(runId);
        if (!record) return undefined;
        if (record.logUploaded === undefined) await this.uploadLog(runId, '');
        const blob = this.logs.getBlobClient(`logs/${runId}/rawtext.log`);
        return blob.generateSasUrl({ permissions: BlobSASPermissions.parse('r'), expiresOn: new Date(Date.now() + 3600_000) });
    }

    private async uploadLog(runId: string, text: string): Promise<void> {
        this.containerReady ??= this.logs.createIfNotExists();
        await this.containerReady;
        const body = Buffer.from(text, 'utf8');
        await this.logs.getBlockBlobClient(`logs/${runId}/rawtext.log`).upload(body, body.length, {
            blobHTTPHeaders: { blobContentType: 'text/plain; charset=utf-8' },
        });
    }
}

export type { RunRecord };
