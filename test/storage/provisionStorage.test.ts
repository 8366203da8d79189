import { TableServiceClient } from '@azure/data-tables';
import { QueueServiceClient } from '@azure/storage-queue';
import { describe, expect, inject, it } from 'vitest';
import { provisionAzurite } from '../support/provisionAzurite';
import { poisonQueueOf, queues, tables } from '../../shared/storage/names';

describe('provisionStorage (npm start, tests)', () => {
    it('creates every queue, its poison queue and every table, and can run twice', async () => {
        const cs = inject('azuriteConnectionString');
        await provisionAzurite(cs);
        const made = await provisionAzurite(cs);
        const queueNames: string[] = [];
        for await (const q of QueueServiceClient.fromConnectionString(cs).listQueues()) queueNames.push(q.name);
        for (const q of Object.values(queues)) expect(queueNames).toEqual(expect.arrayContaining([q, poisonQueueOf(q)]));
        const tableNames: string[] = [];
        for await (const t of TableServiceClient.fromConnectionString(cs, { allowInsecureConnection: true }).listTables()) tableNames.push(t.name ?? '');
        expect(tableNames).toEqual(expect.arrayContaining(Object.values(tables)));
        expect(made.tables.sort()).toEqual(Object.values(tables).sort());
    });
});
