import { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startFixtureHost, type FixtureHost } from './fixtureHost';

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('local host: Storage queue trigger on Azurite', () => {
    let fixture: FixtureHost;
    beforeAll(async () => {
        fixture = await startFixtureHost();
    });
    afterAll(async () => {
        await fixture.host.stop();
    });

    it('creates the triggered queue and delivers Base64 JSON messages with trigger metadata', async () => {
        await fixture.queue.sendMessage(base64(JSON.stringify({ hello: 'world' })));
        await fixture.host.idle();
        expect(fixture.seen.messages).toHaveLength(1);
        const [delivered] = fixture.seen.messages;
        expect(delivered?.message).toEqual({ hello: 'world' });
        expect(delivered?.metadata).toMatchObject({ dequeueCount: 1, id: expect.any(String), popReceipt: expect.any(String) });
        expect(Date.parse(String(delivered?.metadata?.insertionTime))).not.toBeNaN();
        expect(Date.parse(String(delivered?.metadata?.expirationTime))).not.toBeNaN();
        expect(Date.parse(String(delivered?.metadata?.nextVisibleTime))).not.toBeNaN();
        expect((await fixture.queue.peekMessages()).peekedMessageItems).toHaveLength(0);
    });

    it('moves a message that keeps failing to <queue>-poison after maxDequeueCount attempts', async () => {
        const text = base64(JSON.stringify({ fail: true }));
        await fixture.queue.sendMessage(text);
        await fixture.host.idle();
        const poison = new QueueClient(inject('azuriteConnectionString'), `${fixture.queueName}-poison`);
        const parked = (await poison.receiveMessages()).receivedMessageItems;
        expect(parked.map((m) => m.messageText)).toEqual([text]);
        const attempts = fixture.host.logs.filter((l) => l.functionName === 'queueSink' && l.message.startsWith("Executed 'Functions.queueSink' (Failed"));
        expect(attempts).toHaveLength(3); // host.json maxDequeueCount
        expect((await fixture.queue.peekMessages()).peekedMessageItems).toHaveLength(0);
    });

    it('writes queue output bindings (Base64) that the queue trigger then consumes', async () => {
        const res = await fetch(`${fixture.host.baseUrl}/api/enqueue`, { method: 'POST', body: JSON.stringify({ via: 'output' }) });
        expect(res.status).toBe(202);
        await fixture.host.idle();
        expect(fixture.seen.messages.map((m) => m.message)).toContainEqual({ via: 'output' });
    });

    it('parks a message that is not valid Base64 without invoking the function', async () => {
        const before = fixture.seen.messages.length;
        await fixture.queue.sendMessage('not base64 at all!');
        await fixture.host.idle();
        const poison = new QueueClient(inject('azuriteConnectionString'), `${fixture.queueName}-poison`);
        const parked = (await poison.peekMessages({ numberOfMessages: 32 })).peekedMessageItems.map((m) => m.messageText);
        expect(parked).toContain('not base64 at all!');
        expect(fixture.seen.messages.length).toBe(before);
    });
});
