import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { QueueClient } from '@azure/storage-queue';
import { AcrTaskRunner } from '../../shared/registry/acrTaskRunner';
import { AcrTaskScanner } from '../../shared/registry/acrTaskScanner';
import type { TableClient } from '@azure/data-tables';
import { AcrManifestReader } from '../../shared/registry/acrManifestReader';
import { ScanLeaseStore } from '../../shared/scan/scanLeaseStore';
import { QueueScanMessageSink } from '../../shared/scan/scanMessageSink';
import { QueueMessageParking } from '../../shared/storage/parkedMessages';
import { ScanPipeline, type ScanHandling, type ScanLog, type ScanPipelineOptions } from '../../shared/scan/scanPipeline';
import { freshTable, uniqueNames } from '../support/intakeFixtures';
import { encodeScanRequest, SCAN_REQUEST_SCHEMA, SCAN_REQUEST_VERSION, type ScanRequest } from '../../shared/scan/scanRequest';
import type { ScanVerdictEvent, VerdictObserver } from '../../shared/scan/verdictObserver';
import type { AcrServer } from '../acr-server/acrServer';
import { testAcrConnection } from '../support/testAzureAccess';

export const TRIVY_FIXTURES = resolve(__dirname, '../../../shared/fixtures/trivy');
/** A real report from ../shared/fixtures/trivy, read in place. */
export const trivyFixture = (name: string) => readFileSync(resolve(TRIVY_FIXTURES, name), 'utf8');

/** The production scanner (AcrTaskScanner over the real ARM client), pointed at the ACR test server, polling fast. */
export function testScanner(server: AcrServer): AcrTaskScanner {
    const connection = testAcrConnection(server);
    return new AcrTaskScanner(new AcrTaskRunner(connection, { schedulePollIntervalMs: 1 }), {
        loginServer: server.loginServer,
        trivyImage: 'ghcr.io/aquasecurity/trivy:0.58.1',
        scanTimeoutSeconds: 600,
        pollIntervalMs: 1,
        waitTimeoutMs: 30_000,
    });
}

export function scanRequest(registry: string, repository: string, digest: string, overrides: Partial<ScanRequest> = {}): ScanRequest {
    return {
        schema: SCAN_REQUEST_SCHEMA,
        version: SCAN_REQUEST_VERSION,
        requestId: `push-${randomBytes(8).toString('hex')}`,
        registry,
        repository,
        digest,
        tag: '1.0',
        reason: 'push',
        requestedAt: new Date().toISOString(),
        sourceEventId: null,
        ...overrides,
    };
}

/** Keeps every verdict event (a real observer implementation, for assertions). */
export class RecordingVerdictObserver implements VerdictObserver {
    readonly events: ScanVerdictEvent[] = [];
    async onVerdict(event: ScanVerdictEvent): Promise<void> {
        this.events.push(event);
    }
}

export const silentLog = (): ScanLog & { lines: string[] } => {
    const lines: string[] = [];
    const keep = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
    return { lines, log: keep, warn: keep, error: keep };
};

export async function drainQueue(queue: QueueClient): Promise<string[]> {
    await queue.createIfNotExists();
    const got = await queue.receiveMessages({ numberOfMessages: 32 });
    return got.receivedMessageItems.map((m) => m.messageText);
}

export interface DrivenMessage {
    readonly handling?: ScanHandling;
    readonly error?: unknown;
}

/**
 * Plays the Functions host's queue trigger for a scan queue: receives what is visible, hands each
 * message to `pipeline.handle` (concurrently, as the host does with its batch), deletes it when the
 * handler returns, makes it visible again when it throws (dequeueCount grows) and drops it after
 * the last delivery (the host would move it to `<queue>-poison`; tests read the outcomes). Runs until the queue is empty (tests use a check delay
 * of 0 s, so the pipeline's own check messages are visible at once).
 */
export async function driveScanQueue(pipeline: ScanPipeline, queue: QueueClient, options: { readonly maxDequeueCount: number; readonly log?: ScanLog; readonly maxRounds?: number }): Promise<DrivenMessage[]> {
    const outcomes: DrivenMessage[] = [];
    for (let round = 0; round < (options.maxRounds ?? 500); round++) {
        const got = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 120 });
        if (got.receivedMessageItems.length === 0) {
            const peeked = await queue.peekMessages({ numberOfMessages: 1 });
            if (peeked.peekedMessageItems.length === 0) return outcomes;
            continue;
        }
        await Promise.all(
            got.receivedMessageItems.map(async (m) => {
                try {
                    const handling = await pipeline.handle({ queue: queue.name, message: m.messageText, messageText: m.messageText, dequeueCount: m.dequeueCount }, options.log ?? silentLog());
                    outcomes.push({ handling });
                    await queue.deleteMessage(m.messageId, m.popReceipt);
                } catch (error) {
                    outcomes.push({ error });
                    if (m.dequeueCount >= options.maxDequeueCount) {
                        // The host would move it to <queue>-poison; the tests look at the outcome instead.
                        await queue.deleteMessage(m.messageId, m.popReceipt);
                    } else {
                        await queue.updateMessage(m.messageId, m.popReceipt, undefined, 0);
                    }
                }
            }),
        );
    }
    throw new Error(`the scan queue ${queue.name} did not drain`);
}

/** A scan pipeline on the ACR test server and Azurite, as createServices builds it, with a check delay of 0 s. */
export async function testPipeline(
    server: AcrServer,
    azurite: string,
    options: Omit<ScanPipelineOptions, 'registry' | 'scans' | 'manifests' | 'leases' | 'messages' | 'runDeadlineSeconds' | 'parking'> & Partial<Pick<ScanPipelineOptions, 'runDeadlineSeconds' | 'parking'>>,
): Promise<{ pipeline: ScanPipeline; queue: QueueClient; leases: TableClient }> {
    const names = uniqueNames('scanlane');
    const queue = new QueueClient(azurite, names.queue);
    await queue.create();
    await new QueueClient(azurite, `${names.queue}-poison`).create();
    const leases = await freshTable(azurite, `leases${names.table}`);
    const pipeline = new ScanPipeline({
        registry: server.loginServer,
        scans: testScanner(server),
        manifests: new AcrManifestReader(testAcrConnection(server)),
        leases: new ScanLeaseStore(leases),
        messages: new QueueScanMessageSink((name) => new QueueClient(azurite, name)),
        parking: new QueueMessageParking((q) => new QueueClient(azurite, `${q}-poison`)),
        runDeadlineSeconds: 600,
        checkDelaySeconds: 0,
        ...options,
    });
    return { pipeline, queue, leases };
}

/**
 * Sends one request and drives the queue to the end: the handling of the delivery that settled it
 * (recorded a verdict, answered from one, held or parked it), every outcome, and the errors thrown.
 */
export async function scanToEnd(pipeline: ScanPipeline, queue: QueueClient, request: ScanRequest, options: { readonly maxDequeueCount: number; readonly log?: ScanLog }) {
    await queue.sendMessage(encodeScanRequest(request));
    const outcomes = await driveScanQueue(pipeline, queue, options);
    const settled = outcomes.map((o) => o.handling).filter((h): h is ScanHandling => h !== undefined && h.status !== 'waiting' && h.status !== 'scheduled');
    return { final: settled.find((h) => h.status === 'scanned') ?? settled.at(-1), outcomes, errors: outcomes.flatMap((o) => (o.error === undefined ? [] : [o.error])) };
}

/**
 * Counts point reads (GET of one entity) a TableClient puts on the wire: a pipeline policy the test
 * installs on the client it hands to the store (production code counts nothing of this).
 */
export function countEntityReads(client: TableClient): { readonly count: () => number; reset(): void } {
    let reads = 0;
    client.pipeline.addPolicy(
        {
            name: 'testEntityReadCounter',
            sendRequest: async (request, next) => {
                // A point read is GET /Table(PartitionKey='…',RowKey='…').
                if (request.method === 'GET' && /\(PartitionKey=/.test(decodeURIComponent(new URL(request.url).pathname))) reads += 1;
                return next(request);
            },
        },
        { afterPhase: 'Retry' },
    );
    return { count: () => reads, reset: () => void (reads = 0) };
}
