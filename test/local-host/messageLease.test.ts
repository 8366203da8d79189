import { QueueClient } from '@azure/storage-queue';
import { describe, expect, inject, it } from 'vitest';
import type { HostLogRecord } from '../../local-host';
import { MessageLease } from '../../local-host/messageLease';
import { uniqueQueueName } from './fixtureHost';

describe('message lease (Azure listener renewal)', () => {
    it('renews with the newest pop receipt, and stops for good once the message is gone', async () => {
        const queue = new QueueClient(inject('azuriteConnectionString'), uniqueQueueName('lease'));
        await queue.create();
        await queue.sendMessage('eyJhIjoxfQ==');
        const [m] = (await queue.receiveMessages({ visibilityTimeout: 1 })).receivedMessageItems;
        const warnings: string[] = [];
        let lost: () => void = () => {};
        const ownershipLost = new Promise<void>((resolve) => (lost = resolve));
        const log = (r: Omit<HostLogRecord, 'time'>) => {
            if (r.level !== 'warning') return;
            warnings.push(r.message);
            if (r.message.includes('could not be renewed')) lost();
        };
        const renewed = new MessageLease(queue, m!.messageId, m!.popReceipt, 1, log, 'fn');
        // Held past its first second by renewal: still invisible, and only the renewed receipt deletes it.
        await new Promise((r) => setTimeout(r, 1600));
        expect((await queue.peekMessages()).peekedMessageItems).toHaveLength(0);
        const receipt = await renewed.release();
        expect(receipt).not.toBe(m!.popReceipt);
        await queue.deleteMessage(m!.messageId, receipt);

        await queue.sendMessage('eyJhIjoyfQ==');
        const [n] = (await queue.receiveMessages({ visibilityTimeout: 1 })).receivedMessageItems;
        const gone = new MessageLease(queue, n!.messageId, n!.popReceipt, 1, log, 'fn');
        await queue.deleteMessage(n!.messageId, n!.popReceipt);
        await ownershipLost;
        expect(await gone.release()).toBe(n!.popReceipt);
        expect(warnings).toEqual([expect.stringMatching(/^Message .+: its invisibility could not be renewed \(HTTP 404\)/)]);
        await queue.delete();
    });
});
