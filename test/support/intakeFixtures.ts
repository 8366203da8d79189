import { randomBytes } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';

/** Unique storage names per test, so suites can run in parallel on one Azurite. */
export function uniqueNames(prefix: string): { table: string; queue: string } {
    const suffix = randomBytes(5).toString('hex');
    return { table: `${prefix.replace(/[^A-Za-z0-9]/g, '')}${suffix}`, queue: `${prefix.toLowerCase().replace(/[^a-z0-9]/g, '')}-${suffix}` };
}

export function azuriteTable(connectionString: string, table: string): TableClient {
    return TableClient.fromConnectionString(connectionString, table, { allowInsecureConnection: true });
}

/** A table of the test Azurite, created (as infra/ and provisionStorage create the app's). */
export async function freshTable(connectionString: string, table: string): Promise<TableClient> {
    const client = azuriteTable(connectionString, table);
    await client.createTable();
    return client;
}

/** Every message currently visible on a queue, decoded from Base64 JSON (not deleted). */
export async function peekAll(queue: QueueClient): Promise<unknown[]> {
    const peeked = await queue.peekMessages({ numberOfMessages: 32 });
    return peeked.peekedMessageItems.map((m) => JSON.parse(Buffer.from(m.messageText, 'base64').toString('utf8')) as unknown);
}

/** A well-formed ImagePushed (Event Grid schema) for our own tests. */
export function imagePushed(id: string, repository: string, digestHex = 'a', tag: string | null = '1.0') {
    return {
        id,
        topic: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/contoso',
        subject: `${repository}:${tag ?? ''}`,
        eventType: 'Microsoft.ContainerRegistry.ImagePushed',
        eventTime: '2024-05-01T10:00:00.1234567Z',
        dataVersion: '2.0',
        metadataVersion: '1',
        data: {
            id: `data-${id}`,
            timestamp: '2024-05-01T10:00:00.1234567Z',
            action: 'push',
            target: {
                mediaType: 'application/vnd.oci.image.manifest.v1+json',
                digest: `sha256:${digestHex.repeat(64).slice(0, 64)}`,
                repository,
                ...(tag === null ? {} : { tag }),
            },
            request: { id: 'r', host: 'contoso.azurecr.io', method: 'PUT', useragent: 'docker/27' },
        },
    };
}
