import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalHost, type LocalHost } from '../../local-host';
import { decodeParkedMessage } from '../../shared/storage/parkedMessages';
import { queueRecord } from '../fixtures/local-host-queue-app/record';
import { uniqueQueueName } from './fixtureHost';

/*
 * The three ways Azure's host treats queue messages that the local host once did not: a running
 * message's invisibility is renewed, functionTimeout fails an invocation (and "restarts the
 * worker"), and a trigger registered with `originalMessageTrigger` sees the original bytes.
 */
const APP = path.resolve(__dirname, '../fixtures/local-host-queue-app');
const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

interface Queues {
    long: string;
    hang: string;
    park: string;
    plain: string;
}

function queuesEnv(connectionString: string): { env: Record<string, string>; queues: Queues } {
    const queues = { long: uniqueQueueName('lhlong'), hang: uniqueQueueName('lhhang'), park: uniqueQueueName('lhpark'), plain: uniqueQueueName('lhplain') };
    return {
        queues,
        env: { FIXTURE_STORAGE: connectionString, LONG_QUEUE: queues.long, HANG_QUEUE: queues.hang, PARK_QUEUE: queues.park, DEFAULT_QUEUE: queues.plain },
    };
}

const failedAttempts = (host: LocalHost, name: string) => host.logs.filter((l) => l.functionName === name && l.message.startsWith(`Executed 'Functions.${name}' (Failed`));

describe('local host queues as in Azure: lease renewal and original bytes', () => {
    const connectionString = inject('azuriteConnectionString');
    let host: LocalHost;
    let queues: Queues;
    beforeAll(async () => {
        const setup = queuesEnv(connectionString);
        queues = setup.queues;
        // Provisioned, as the app's queues are (the app's parking creates no queue).
        await new QueueClient(connectionString, `${queues.park}-poison`).createIfNotExists();
        // A 2 s lease (Azure: 10 min), renewed every second, so a run of a few seconds outlives it.
        host = await startLocalHost({ functionsDir: APP, hostJsonPath: path.join(APP, 'host.json'), port: 0, runSchedules: false, env: setup.env, queueMessageLeaseSeconds: 2 });
    });
    afterAll(async () => {
        await host?.stop();
    });

    it('does not deliver a message again while its function is still running past the first lease', async () => {
        await new QueueClient(connectionString, queues.long).sendMessage(base64('{"long":true}'));
        await host.idle();
        const runs = queueRecord().longRuns;
        expect(runs).toHaveLength(1);
        expect(runs[0]).toMatchObject({ dequeueCount: 1, outlivedFirstLease: true });
        expect(failedAttempts(host, 'longRunning')).toHaveLength(0);
        expect((await new QueueClient(connectionString, queues.long).peekMessages()).peekedMessageItems).toHaveLength(0);
    });

    it('parks a message byte for byte as queued when the trigger is registered with originalMessageTrigger', async () => {
        // Spacing, key order, an escaped slash, \u escapes, a float written 1.0 and non-ASCII text:
        // all of it is lost when the message is parsed and serialised again.
        const original = '{ "schema":"acr-guard.scan-request",  "version" : 1,\n "z":"a\\/b", "a":"\\u00e9t\\u00e9", "n":1.0, "\u00fcmlaut":"\u2603" }';
        await new QueueClient(connectionString, queues.park).sendMessage(base64(original));
        await host.idle();
        const poison = new QueueClient(connectionString, `${queues.park}-poison`);
        const parked = (await poison.receiveMessages()).receivedMessageItems.map((m) => decodeParkedMessage(m.messageText));
        expect(parked).toHaveLength(1);
        expect(parked[0]).toMatchObject({ queue: queues.park, reason: 'parked by the fixture' });
        expect(Buffer.from(parked[0]!.message, 'utf8').equals(Buffer.from(original, 'utf8'))).toBe(true);
        expect(failedAttempts(host, 'parkingTrigger')).toHaveLength(0);
    });

    it('shows why: a default registration only gets the parsed value back, not the text', async () => {
        const original = '{ "b":1, "a":"\\u00e9" }';
        await new QueueClient(connectionString, queues.plain).sendMessage(base64(original));
        await host.idle();
        expect(queueRecord().defaultReads).toEqual([{ text: '{"b":1,"a":"é"}', exact: false }]);
    });
});

describe('local host functionTimeout as in Azure', () => {
    const connectionString = inject('azuriteConnectionString');
    let host: LocalHost;
    let queues: Queues;
    beforeAll(async () => {
        const setup = queuesEnv(connectionString);
        queues = setup.queues;
        host = await startLocalHost({ functionsDir: APP, hostJsonPath: path.join(APP, 'host.timeout.json'), port: 0, runSchedules: false, env: setup.env });
    });
    afterAll(async () => {
        queueRecord().release();
        await host?.stop();
    });

    it('fails an invocation that overruns functionTimeout; the message is retried, then poisoned', async () => {
        const text = base64('{"hang":1}');
        await new QueueClient(connectionString, queues.hang).sendMessage(text);
        await host.idle();
        const attempts = failedAttempts(host, 'hanging');
        expect(attempts).toHaveLength(2); // host.json maxDequeueCount
        for (const attempt of attempts) expect(attempt.message).toContain('Timeout value of 00:00:01 was exceeded by function: Functions.hanging');
        const timeouts = host.logs.filter((l) => l.functionName === 'hanging' && /^Timeout value of 00:00:01 exceeded by function 'Functions\.hanging' \(Id: '[0-9a-f-]+'\)\. Initiating cancellation\.$/.test(l.message));
        expect(timeouts).toHaveLength(2);
        expect(host.logs.filter((l) => l.message.startsWith('A function timeout has occurred. Restarting worker process executing invocationId'))).toHaveLength(2);
        const poison = new QueueClient(connectionString, `${queues.hang}-poison`);
        expect((await poison.receiveMessages()).receivedMessageItems.map((m) => m.messageText)).toEqual([text]);
        expect((await new QueueClient(connectionString, queues.hang).peekMessages()).peekedMessageItems).toHaveLength(0);
    });

    it('fails the other invocations running in the worker that Azure restarts', async () => {
        await new QueueClient(connectionString, queues.hang).sendMessage(base64('{"hang":2}'));
        while (!queueRecord().started.includes('hanging:{"hang":2}')) await new Promise((r) => setTimeout(r, 20));
        // Started well within the queue invocation's second: it is still running when that one overruns.
        const response = await fetch(`${host.baseUrl}/api/blocked`);
        expect(response.status).toBe(500);
        const [failed] = failedAttempts(host, 'blockedHttp');
        expect(failed?.message).toMatch(/The worker process running this invocation was restarted because invocation '[0-9a-f-]+' timed out/);
        await host.idle();
    });
});

describe('local host stop() during a queue poll', () => {
    let server: http.Server;
    let pollSeen: () => void = () => {};
    const polled = new Promise<void>((resolve) => (pollSeen = resolve));
    let pollAborted: () => void = () => {};
    const aborted = new Promise<void>((resolve) => (pollAborted = resolve));
    beforeAll(async () => {
        // A storage endpoint that creates queues but never answers a receive: stop() must not wait for it.
        server = http.createServer((req, res) => {
            if (req.method === 'GET' && /\/messages/.test(req.url ?? '')) {
                pollSeen();
                res.on('close', () => {
                    if (!res.writableEnded) pollAborted();
                });
                return;
            }
            res.writeHead(201, { 'x-ms-request-id': '1', 'x-ms-version': '2020-10-02' }).end();
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
    });

    it('aborts the pending receive instead of waiting for it and the SDK retries', async () => {
        const { port } = server.address() as AddressInfo;
        const connectionString = `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${Buffer.from('key').toString('base64')};QueueEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`;
        const host = await startLocalHost({ functionsDir: APP, hostJsonPath: path.join(APP, 'host.json'), port: 0, runSchedules: false, env: queuesEnv(connectionString).env });
        await polled;
        await host.stop();
        // The client hung up on the unanswered receive (without the abort, stop() would still be
        // waiting for it here, and then for the SDK's retries).
        await expect(aborted).resolves.toBeUndefined();
    });
});
