import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The local host (through appHost) must be imported before anything that registers functions.
import { startAppHost } from '../support/appHost';
import type { LocalHost } from '../../local-host';
import { startAzurite, type AzuriteInstance } from '../../local-host/azurite';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { AlertStore } from '../../shared/alerts/alertStore';
import { REPLAYED_AT } from '../../shared/deadletter/deadLetterReplay';
import { tables } from '../../shared/storage/names';
import { appEnv } from '../support/appEnv';
import { azuriteTable, imagePushed } from '../support/intakeFixtures';
import { deadLettered } from '../deadletter/support';

/*
 * Event Grid dead letters through the local host with the app's real registrations: a blob as
 * Event Grid writes it into ACR_GUARD_DEAD_LETTER_CONTAINER (real Azurite blob storage), the
 * replayDeadLetters timer run twice. The event goes through the normal intake once (one record,
 * routed to a scan) and raises one event-dead-lettered alert.
 */
const CONTAINER = 'eventgrid-deadletter-e2e';

let azurite: AzuriteInstance;
let host: LocalHost;
let container: ContainerClient;

beforeAll(async () => {
    azurite = await startAzurite();
    container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(CONTAINER);
    // Infra creates the container in Azure (modules/storage.bicep); Event Grid writes into it.
    await container.createIfNotExists();
    host = await startAppHost({
        azurite,
        env: appEnv({
            azurite,
            // Nothing in this test reaches the registry (a quarantine push is only queued for scanning).
            acr: { loginServer: 'contoso.azurecr.io', registryResourceId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/contoso' },
            extra: { ACR_GUARD_DEAD_LETTER_CONTAINER: CONTAINER },
        }),
    });
});

afterAll(async () => {
    await host?.stop();
    await azurite?.stop();
});

describe('replayDeadLetters', () => {
    it('replays a dead-lettered push through the intake exactly once (timer run twice), with one alert', async () => {
        const push = imagePushed('dead-lettered-push-1', 'quarantine/web/api', 'd', '3.1');
        const blob = 'ACR-GUARD-INTAKE/2026/12/3/9/5b1c3a52-0c3e-4a57-9c39-0f3f3b0c1a11.json';
        const body = JSON.stringify([deadLettered(push)]);
        await container.getBlockBlobClient(blob).upload(body, Buffer.byteLength(body));

        await host.runTimer('replayDeadLetters');
        await host.runTimer('replayDeadLetters');

        // One record of the event, routed to a scan with one scan request (which the scan worker then takes).
        const records = [];
        for await (const row of azuriteTable(azurite.connectionString, tables.registryEvents).listEntities<{ eventId?: string; route?: string; scanRequestId?: string }>()) {
            if (row.eventId === 'dead-lettered-push-1') records.push(row);
        }
        expect(records).toEqual([expect.objectContaining({ route: 'scan', scanRequestId: expect.any(String) })]);
        const alerts = (await new AlertStore(azuriteTable(azurite.connectionString, tables.alerts)).list({ kind: 'event-dead-lettered' })).map((a) => a.alert);
        expect(alerts).toEqual([
            expect.objectContaining({ occurrences: 1, severity: 'high', subject: expect.objectContaining({ repository: 'quarantine/web/api', digest: push.data.target.digest }), deliveries: expect.objectContaining({ log: expect.objectContaining({ status: 'delivered' }) }) }),
        ]);
        expect((await container.getBlobClient(blob).getProperties()).metadata).toMatchObject({ [REPLAYED_AT]: expect.any(String) });
    });
});
