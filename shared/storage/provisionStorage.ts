import { poisonQueueOf, queues, tables } from './names';
import type { StorageClients } from './storageClients';

/** Every queue the app uses, each with the `-poison` twin the Functions host moves failed messages to. */
export const appQueueNames = (): string[] => Object.values(queues).flatMap((q) => [q, poisonQueueOf(q)]);
export const appTableNames = (): string[] => Object.values(tables);

/**
 * Creates every queue and table the app uses, the one place that does so outside infra/ (which
 * creates the same names in Azure; a test checks they agree): `npm start` runs it on Azurite before
 * the host starts, and tests before theirs. The app itself never creates storage: a missing queue
 * or table is a deployment error, reported as such. Idempotent.
 */
export async function provisionStorage(clients: StorageClients): Promise<{ queues: string[]; tables: string[] }> {
    const queueNames = appQueueNames();
    const tableNames = appTableNames();
    await Promise.all([...queueNames.map((name) => clients.queue(name).createIfNotExists()), ...tableNames.map((name) => clients.table(name).createTable())]);
    return { queues: queueNames, tables: tableNames };
}
