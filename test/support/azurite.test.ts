import { QueueClient } from '@azure/storage-queue';
import { describe, expect, inject, it } from 'vitest';

describe('test Azurite', () => {
    it('accepts queue messages', async () => {
        const q = new QueueClient(inject('azuriteConnectionString'), 'smoke');
        await q.createIfNotExists();
        await q.sendMessage('hello');
        const got = await q.receiveMessages();
        expect(got.receivedMessageItems[0]?.messageText).toBe('hello');
    });
});
