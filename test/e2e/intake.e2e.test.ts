import { readFileSync } from 'node:fs';
import path from 'node:path';
import { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The local host (through appHost) must be imported before anything that registers functions.
import { startAppHost } from '../support/appHost';
import type { LocalHost } from '../../local-host';
import { startAzurite, type AzuriteInstance } from '../../local-host/azurite';
import { TableRegistryEventStore } from '../../shared/intake/tableEventStore';
import { decodeScanRequest, type ScanRequest } from '../../shared/scan/scanRequest';
import { queues, tables } from '../../shared/storage/names';
import { azuriteTable, imagePushed } from '../support/intakeFixtures';
import { appEnv } from '../support/appEnv';

/*
 * End to end through the local host over real HTTP: Event Grid's webhook calls into the real
 * registryEventIntake registration, which writes to a real Azurite. This file starts its own
 * Azurite because the app uses the fixed names `scan-requests` and `RegistryEvents`, which other
 * suites' hosts may also use.
 */
const FIXTURES = path.resolve(__dirname, '../../../shared/fixtures/eventgrid');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');

let azurite: AzuriteInstance;
let host: LocalHost;
let scanRequests: QueueClient;
let store: TableRegistryEventStore;

const webhook = () => `${host.baseUrl}/runtime/webhooks/eventgrid?functionName=registryEventIntake`;

async function deliver(body: string, eventType = 'Notification', contentType = 'application/json'): Promise<Response> {
    return fetch(webhook(), { method: 'POST', headers: { 'aeg-event-type': eventType, 'content-type': contentType }, body });
}

async function queued(): Promise<ScanRequest[]> {
    await scanRequests.createIfNotExists();
    const peeked = await scanRequests.peekMessages({ numberOfMessages: 32 });
    return peeked.peekedMessageItems.map((m) => {
        const decoded = decodeScanRequest(m.messageText);
        if (!decoded.ok) throw new Error(decoded.reason);
        return decoded.request;
    });
}

const forEvent = async (id: string) => (await queued()).filter((r) => r.sourceEventId === id);

beforeAll(async () => {
    azurite = await startAzurite();
    host = await startAppHost({
        azurite,
        env: appEnv({
            azurite,
            acr: { loginServer: 'contoso.azurecr.io', registryResourceId: '/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/contoso' },
            extra: {
                // The real samples push outside quarantine/ and live/: scan those too, so they reach the queue.
                ACR_GUARD_OTHER_REPOSITORIES: 'scan',
                // This suite inspects what intake leaves on scan-requests: keep the scan worker off it.
                'AzureWebJobs.scanWorker.Disabled': 'true',
            },
        }),
    });
    scanRequests = new QueueClient(azurite.connectionString, queues.scanRequests);
    store = new TableRegistryEventStore(azuriteTable(azurite.connectionString, tables.registryEvents));
});

afterAll(async () => {
    await host?.stop();
    await azurite?.stop();
});

describe('registry event intake through the local host', () => {
    it('answers the Event Grid subscription validation handshake', async () => {
        const response = await deliver(fixture('subscription-validation/subscription-validation-event.json'), 'SubscriptionValidation');
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual(JSON.parse(fixture('subscription-validation/subscription-validation-response.json')));
    });

    it('answers the CloudEvents OPTIONS abuse-protection handshake', async () => {
        const response = await fetch(webhook(), { method: 'OPTIONS', headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' } });
        expect(response.status).toBe(200);
        expect(response.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
    });

    it('queues one scan request for a real Event Grid schema sample and one for a real CloudEvents sample', async () => {
        expect((await deliver(fixture('azure-docs/docs-2018-image-pushed.eventgrid.json'))).status).toBe(202);
        expect((await deliver(fixture('rest-api-specs/cloud-events-schema/image_pushed.json'), 'Notification', 'application/cloudevents+json; charset=utf-8')).status).toBe(202);
        expect(await forEvent('831e1650-001e-001b-66ab-eeb76e069631')).toEqual([
            expect.objectContaining({ registry: 'demo.azurecr.io', repository: 'aci-helloworld', tag: 'v1', digest: 'sha256:213bbc182920ab41e18edc2001e06abcca6735d87782d9cef68abd83941cf0e5', reason: 'push' }),
        ]);
        expect(await forEvent('c25fdb80-ebbd-4dd0-a29c-a7349e6388f6')).toEqual([
            expect.objectContaining({ registry: 'jolovcr.azurecr.io', repository: 'samples/nginx', tag: 'latest', digest: 'sha256:57a94fc99816c6aa225678b738ac40d85422e75dbb96115f1bb9b6ed77176166' }),
        ]);
    });

    it('turns a quarantine push delivered three times into one message on scan-requests and one record', async () => {
        const body = JSON.stringify([imagePushed('e2e-triple', 'quarantine/team/api', 'c')]);
        const statuses = [];
        for (let i = 0; i < 3; i++) statuses.push((await deliver(body)).status);
        expect(statuses).toEqual([202, 202, 202]);
        const requests = await forEvent('e2e-triple');
        expect(requests).toHaveLength(1);
        expect(requests[0]).toMatchObject({ schema: 'acr-guard.scan-request', version: 1, repository: 'quarantine/team/api', digest: `sha256:${'c'.repeat(64)}`, registry: 'contoso.azurecr.io' });
        expect(await store.get({ id: 'e2e-triple', slot: 'ImagePushed' })).toMatchObject({ route: 'scan', scanRequestId: requests[0]!.requestId });
    });

    it('records bad input with its reason, queues nothing for it, and keeps serving', async () => {
        const hostile = imagePushed('e2e-hostile', 'quarantine/app$(curl evil)');
        const unknownType = { ...imagePushed('e2e-unknown', 'quarantine/app'), eventType: 'Microsoft.Storage.BlobCreated' };
        const badData = { ...imagePushed('e2e-bad-data', 'quarantine/app'), data: '{"target": ' };
        const placeholders = JSON.parse(fixture('azure-sdk-for-java/ContainerRegistryImagePushedEvent.json')) as unknown[];
        const response = await deliver(JSON.stringify([hostile, unknownType, badData, ...placeholders]));
        // Bad input is not a delivery failure: Event Grid must not retry it.
        expect(response.status).toBe(202);
        expect(await store.get({ id: 'e2e-hostile', slot: 'rejected' })).toMatchObject({ route: 'reject', reason: expect.stringMatching(/invalid data\.target\.repository/) });
        expect(await store.get({ id: 'e2e-unknown', slot: 'rejected' })).toMatchObject({ route: 'reject', reason: expect.stringMatching(/unknown event type/) });
        expect(await store.get({ id: 'e2e-bad-data', slot: 'rejected' })).toMatchObject({ route: 'reject', reason: expect.stringMatching(/data is a string but not JSON/) });
        expect(await store.get({ id: '56afc886-767b-d359-d59e-0da7877166b2', slot: 'rejected' })).toMatchObject({ reason: expect.stringMatching(/digest "digest1"/) });
        for (const id of ['e2e-hostile', 'e2e-unknown', 'e2e-bad-data', '56afc886-767b-d359-d59e-0da7877166b2']) expect(await forEvent(id)).toEqual([]);

        // A body that is not JSON never reaches the function: the webhook answers 400.
        expect((await deliver('{"id": ')).status).toBe(400);
        // And the host keeps working.
        expect((await deliver(JSON.stringify([imagePushed('e2e-after', 'quarantine/app', 'd')]))).status).toBe(202);
        expect(await forEvent('e2e-after')).toHaveLength(1);
    });

    it('fails the delivery (so Event Grid retries) when storage is down', async () => {
        await azurite.stop();
        const response = await deliver(JSON.stringify([imagePushed('e2e-down', 'quarantine/app', 'e')]));
        expect(response.status).toBe(500);
    });
});
