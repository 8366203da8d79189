import { randomBytes } from 'node:crypto';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { QueueClient } from '@azure/storage-queue';
import { describe, expect, inject, it } from 'vitest';
import { AlertService } from '../../shared/alerts/alertService';
import { AlertStore } from '../../shared/alerts/alertStore';
import { createLogSink } from '../../shared/alerts/logSink';
import { DEAD_LETTER_ALERT_REPOSITORY, DeadLetterReplay, REPLAY_OUTCOME, REPLAYED_AT, type ReplayIntake } from '../../shared/deadletter/deadLetterReplay';
import { IntakeService } from '../../shared/intake/intakeService';
import { RecordingLivePushObserver } from '../support/recordingLivePushObserver';
import { DEFAULT_ROUTING_RULES } from '../../shared/intake/route';
import { TableRegistryEventStore } from '../../shared/intake/tableEventStore';
import { QueueScanRequestSink } from '../../shared/scan/scanRequestSink';
import { freshTable, imagePushed, peekAll, uniqueNames } from '../support/intakeFixtures';
import { deadLettered, eventSample } from './support';

// The replay against real Azurite blob storage, with the real intake (Table + queue) and the real
// alert service: what Event Grid dead-lettered goes through the intake once, alerted once.

const azurite = () => inject('azuriteConnectionString');
const lines: string[] = [];
const log = { log: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };

async function setup(intakeOverride?: (real: IntakeService) => ReplayIntake) {
    const names = uniqueNames('DeadLetter');
    const container = BlobServiceClient.fromConnectionString(azurite()).getContainerClient(`deadletter-${randomBytes(5).toString('hex')}`);
    await container.create();
    const queue = new QueueClient(azurite(), names.queue);
    await queue.create();
    const [eventsTable, alertsTable] = await Promise.all([freshTable(azurite(), `${names.table}e`), freshTable(azurite(), `${names.table}a`)]);
    const livePushes = new RecordingLivePushObserver();
    const intake = new IntakeService({
        store: new TableRegistryEventStore(eventsTable),
        scanRequests: new QueueScanRequestSink(queue),
        livePushes,
        rules: DEFAULT_ROUTING_RULES,
        defaultRegistry: 'contoso.azurecr.io',
    });
    const alertStore = new AlertStore(alertsTable);
    const alerts = new AlertService({ store: alertStore, sinks: [createLogSink(() => undefined)] });
    const replay = new DeadLetterReplay({ container, intake: intakeOverride ? intakeOverride(intake) : intake, alerts, registry: 'contoso.azurecr.io', log });
    return { container, queue, eventsTable, alertStore, livePushes, replay };
}

const put = async (container: ContainerClient, name: string, body: string) => container.getBlockBlobClient(name).upload(body, Buffer.byteLength(body));
const metadataOf = async (container: ContainerClient, name: string) => (await container.getBlobClient(name).getProperties()).metadata ?? {};
const deadAlerts = async (store: AlertStore) => (await store.list({ kind: 'event-dead-lettered' })).map((s) => s.alert);

describe('DeadLetterReplay on Azurite', () => {
    it('replays a dead-lettered quarantine push through the intake exactly once, with one alert, and marks the blob', async () => {
        const { container, queue, eventsTable, alertStore, replay } = await setup();
        const push = imagePushed('dl-q-1', 'quarantine/app', 'b', '1.0');
        const name = 'ACR-GUARD-INTAKE/2026/1/2/3/11111111-1111-1111-1111-111111111111.json';
        await put(container, name, JSON.stringify([deadLettered(push)]));

        expect(await replay.run()).toEqual({ alreadyReplayed: 0, replayedBlobs: 1, replayedEvents: 1, unreadableBlobs: 0, deferred: 0 });
        expect(await replay.run()).toEqual({ alreadyReplayed: 1, replayedBlobs: 0, replayedEvents: 0, unreadableBlobs: 0, deferred: 0 });

        const requests = await peekAll(queue);
        expect(requests).toEqual([expect.objectContaining({ repository: 'quarantine/app', digest: push.data.target.digest, sourceEventId: 'dl-q-1' })]);
        const recorded = [];
        for await (const row of eventsTable.listEntities()) recorded.push(row);
        expect(recorded).toHaveLength(1);
        const alerts = await deadAlerts(alertStore);
        expect(alerts).toHaveLength(1);
        expect(alerts[0]).toMatchObject({
            kind: 'event-dead-lettered',
            severity: 'high',
            occurrences: 1,
            detectedBy: ['dead-letter'],
            subject: { registry: 'contoso.azurecr.io', repository: 'quarantine/app', tag: '1.0', digest: push.data.target.digest },
            details: { sourceId: 'dl-q-1', reasons: ['MaxDeliveryAttemptsExceeded', 'last delivery: TimedOut'], extra: { blob: name, deliveryAttempts: 30, lastHttpStatusCode: 408, replayedRoute: 'scan', replayedDelivery: 'first' } },
        });
        expect(await metadataOf(container, name)).toMatchObject({ [REPLAYED_AT]: expect.stringMatching(/^\d{4}-/), [REPLAY_OUTCOME]: 'replayed 1' });
    });

    it('a live push Event Grid gave up on reaches the live check; one the intake already had is a duplicate there, still alerted', async () => {
        const { container, alertStore, livePushes, replay } = await setup();
        const sample = eventSample('docs-2018-image-pushed.eventgrid.json');
        const live = { ...sample, id: 'dl-live-1', data: { ...(sample.data as object), target: { ...(sample.data as { target: object }).target, repository: 'live/web' } } };
        await put(container, 'ACR-GUARD-INTAKE/2026/1/2/4/a.json', JSON.stringify([deadLettered(live)]));
        await put(container, 'ACR-GUARD-INTAKE/2026/1/2/5/b.json', JSON.stringify([deadLettered(live)]));
        expect(await replay.run()).toMatchObject({ replayedBlobs: 2, replayedEvents: 2 });
        expect(livePushes.pushes).toHaveLength(1);
        const [alert] = await deadAlerts(alertStore);
        // One alert for the one event (two dead letters of it are two occurrences).
        expect(alert).toMatchObject({ occurrences: 2, subject: { registry: 'demo.azurecr.io', repository: 'live/web', tag: 'v1' } });
    });

    it('an unreadable blob is alerted once, marked and kept; blobs outside the subscription folder are left alone', async () => {
        const { container, alertStore, replay } = await setup();
        await put(container, 'ACR-GUARD-INTAKE/2026/1/2/6/broken.json', '[{"id": "cut off');
        await put(container, 'OTHER-SUBSCRIPTION/2026/1/2/6/x.json', JSON.stringify([deadLettered(imagePushed('other', 'quarantine/x'))]));
        expect(await replay.run()).toMatchObject({ replayedBlobs: 0, unreadableBlobs: 1 });
        expect(await replay.run()).toMatchObject({ alreadyReplayed: 1, unreadableBlobs: 0 });
        const alerts = await deadAlerts(alertStore);
        expect(alerts).toEqual([expect.objectContaining({ occurrences: 1, subject: expect.objectContaining({ repository: DEAD_LETTER_ALERT_REPOSITORY }), details: expect.objectContaining({ error: expect.stringMatching(/unreadable dead-letter blob .*broken\.json: not JSON/) }) })]);
        expect(await metadataOf(container, 'ACR-GUARD-INTAKE/2026/1/2/6/broken.json')).toMatchObject({ [REPLAY_OUTCOME]: 'unreadable' });
        expect(await container.getBlobClient('ACR-GUARD-INTAKE/2026/1/2/6/broken.json').exists()).toBe(true);
        expect(await metadataOf(container, 'OTHER-SUBSCRIPTION/2026/1/2/6/x.json')).toEqual({});
    });

    it('when the intake fails (storage), the blob stays unmarked and is replayed on the next run', async () => {
        let failing = true;
        const { container, queue, alertStore, replay } = await setup((real) => ({
            decide: (input) => real.decide(input),
            handle: async (input, l) => {
                if (failing) throw new Error('table storage unavailable');
                return real.handle(input, l);
            },
        }));
        await put(container, 'ACR-GUARD-INTAKE/2026/1/2/7/c.json', JSON.stringify([deadLettered(imagePushed('dl-retry', 'quarantine/retry', 'c'))]));
        expect(await replay.run()).toMatchObject({ replayedBlobs: 0, deferred: 1 });
        expect(await metadataOf(container, 'ACR-GUARD-INTAKE/2026/1/2/7/c.json')).toEqual({});
        expect(await deadAlerts(alertStore)).toEqual([]);
        failing = false;
        expect(await replay.run()).toMatchObject({ replayedBlobs: 1, replayedEvents: 1 });
        expect(await peekAll(queue)).toHaveLength(1);
        expect(await deadAlerts(alertStore)).toHaveLength(1);
    });

    it('a missing container is nothing to replay (locally nothing writes dead letters)', async () => {
        const replay = new DeadLetterReplay({
            container: BlobServiceClient.fromConnectionString(azurite()).getContainerClient(`missing-${randomBytes(5).toString('hex')}`),
            intake: { decide: () => { throw new Error('not called'); }, handle: () => Promise.reject(new Error('not called')) },
            alerts: { raise: () => Promise.reject(new Error('not called')) },
            registry: 'contoso.azurecr.io',
            log,
        });
        expect(await replay.run()).toEqual({ alreadyReplayed: 0, replayedBlobs: 0, replayedEvents: 0, unreadableBlobs: 0, deferred: 0 });
    });
});
