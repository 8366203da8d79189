import { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import { poisonQueueOf, queues, tables } from '../shared/storage/names';

/**
 * Creates every queue (and its -poison twin) and table the app uses in a local storage account,
 * as infra/ does in Azure, so `npm start` on a fresh Azurite works end to end. Idempotent.
 */
export async function provisionLocalStorage(connectionString: string): Promise<{ queues: string[]; tables: string[] }> {
    const queueNames = Object.values(queues).flatMap((q) => [q, poisonQueueOf(q)]);
    const tableNames = Object.values(tables);
    await Promise.all([
        ...queueNames.map((name) => new QueueClient(connectionString, name).createIfNotExists()),
        ...tableNames.map((name) =>
            TableClient.fromConnectionString(connectionString, name, { allowInsecureConnection: connectionString.includes('http://') || /UseDevelopmentStorage=true/i.test(connectionString) }).createTable(),
        ),
    ]);
    return { queues: queueNames, tables: tableNames };
}
