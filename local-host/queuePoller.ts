import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';
import type { RpcTypedData } from './coreTypes';
import { resolveSettingReference } from './env';
import type { QueueOptions } from './hostJson';
import type { HostLogger } from './logs';
import { AZURE_MESSAGE_LEASE_SECONDS, MessageLease } from './messageLease';
import { decodeMessageBytes, queueClientFor } from './queueMessages';
import type { RegisteredFunction } from './registry';
import type { FunctionRunner } from './runtime';

const MIN_POLL_MS = 100;
const STOP_WAIT_MS = 30_000;

/**
 * One queue-triggered function, polled like the Storage queues extension (QueueListener /
 * QueueProcessor): batches of `batchSize`, a new batch once no more than `newBatchThreshold`
 * messages are running, exponential back-off up to `maxPollingInterval` while the queue is
 * empty, a running message kept invisible by renewing its lease (`MessageLease`), delete on
 * success, on failure release with `visibilityTimeout`, and after `maxDequeueCount` failed
 * attempts (or a message that cannot be decoded) move the message to `<queue>-poison` and delete
 * it from the queue.
 */
export class QueuePoller {
    readonly queueName: string;
    readonly poisonQueueName: string;
    readonly #client: QueueClient;
    readonly #poison: QueueClient;
    #active = 0;
    #stopped = false;
    #loop: Promise<void> | undefined;
    #wake: (() => void) | undefined;
    /** Aborts a receive under way, so stop() does not wait for the storage SDK's retries. */
    readonly #polling = new AbortController();
    /**
     * The trigger's `dataType`: 'binary' hands the function the message body as bytes (the library
     * gives a Buffer), otherwise it gets a string, which the library JSON-parses when it can.
     */
    readonly #binary: boolean;

    /** `leaseSeconds`: how long a running message is held invisible between renewals (Azure: 600). */
    constructor(
        private readonly fn: RegisteredFunction,
        private readonly runner: FunctionRunner,
        private readonly options: QueueOptions,
        private readonly log: HostLogger,
        private readonly leaseSeconds: number = AZURE_MESSAGE_LEASE_SECONDS,
    ) {
        if (!Number.isInteger(leaseSeconds) || leaseSeconds < 1) throw new Error(`The queue message lease must be a whole number of seconds (at least 1), not ${leaseSeconds}`);
        const dataType = fn.trigger.dataType;
        if (dataType !== undefined && dataType !== 'binary' && dataType !== 'string') {
            throw new Error(`Function "${fn.name}": queue trigger dataType "${String(dataType)}" is not supported by the local host (binary or string)`);
        }
        this.#binary = dataType === 'binary';
        const connection = String(fn.trigger.connection);
        this.queueName = resolveSettingReference(String(fn.trigger.queueName), `Function "${fn.name}": the queue name`);
        this.poisonQueueName = `${this.queueName}-poison`;
        this.#client = queueClientFor(connection, this.queueName);
        this.#poison = queueClientFor(connection, this.poisonQueueName);
    }

    async start(): Promise<void> {
        await this.#client.createIfNotExists();
        this.#loop = this.#run();
    }

    async stop(): Promise<void> {
        this.#stopped = true;
        this.#polling.abort();
        this.#wake?.();
        await this.#loop;
    }

    /** Messages in the queue, visible or waiting for a retry, plus the ones being processed here. */
    async pending(): Promise<number> {
        const props = await this.#client.getProperties();
        return (props.approximateMessagesCount ?? 0) + this.#active;
    }

    #sleep(ms: number): Promise<void> {
        return new Promise((resolve) => {
            const timer = setTimeout(done, ms);
            const wake = () => done();
            function done() {
                clearTimeout(timer);
                resolve();
            }
            this.#wake = wake;
        });
    }

    async #run(): Promise<void> {
        let delay = MIN_POLL_MS;
        while (!this.#stopped) {
            if (this.#active > this.options.newBatchThreshold) {
                await this.#sleep(this.options.maxPollingIntervalMs);
                continue;
            }
            let received: DequeuedMessageItem[] = [];
            try {
                const response = await this.#client.receiveMessages({
                    numberOfMessages: this.options.batchSize,
                    visibilityTimeout: this.leaseSeconds,
                    abortSignal: this.#polling.signal,
                });
                received = response.receivedMessageItems;
            } catch (err) {
                if (this.#stopped) break;
                this.log({ level: 'error', category: 'host', functionName: this.fn.name, message: `Polling queue '${this.queueName}' failed: ${(err as Error).message}` });
            }
            for (const message of received) {
                this.#active += 1;
                void this.#process(message).finally(() => {
                    this.#active -= 1;
                    this.#wake?.();
                });
            }
            if (received.length > 0) {
                delay = MIN_POLL_MS;
                continue;
            }
            if (this.#stopped) break;
            await this.#sleep(delay);
            delay = Math.min(delay * 2, this.options.maxPollingIntervalMs);
        }
        // Let running messages finish (bounded: a hung function must not hang stop()).
        const deadline = Date.now() + STOP_WAIT_MS;
        while (this.#active > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    }

    #metadata(m: DequeuedMessageItem, text: string): Record<string, RpcTypedData> {
        const json = (value: unknown): RpcTypedData => ({ json: JSON.stringify(value) });
        return {
            Id: json(m.messageId),
            DequeueCount: json(m.dequeueCount),
            InsertionTime: json(m.insertedOn),
            ExpirationTime: json(m.expiresOn),
            NextVisibleTime: json(m.nextVisibleOn),
            PopReceipt: json(m.popReceipt),
            QueueTrigger: { string: text },
        };
    }

    async #process(m: DequeuedMessageItem): Promise<void> {
        const name = this.fn.name;
        const lease = new MessageLease(this.#client, m.messageId, m.popReceipt, this.leaseSeconds, this.log, name);
        try {
            if (m.dequeueCount > this.options.maxDequeueCount) {
                await this.#moveToPoison(m, await lease.release(), `it was dequeued ${m.dequeueCount} times (maxDequeueCount ${this.options.maxDequeueCount})`);
                return;
            }
            const body = decodeMessageBytes(m.messageText, this.options);
            if (body === undefined) {
                await this.#moveToPoison(m, await lease.release(), 'its content is not valid Base64 (host.json extensions.queues.messageEncoding is base64)');
                return;
            }
            const text = body.toString('utf8');
            try {
                await this.runner.run(this.fn, {
                    triggerData: this.#binary ? { bytes: body } : { string: text },
                    triggerMetadata: this.#metadata(m, text),
                    reason: `New queue message detected on '${this.queueName}'.`,
                });
            } catch (err) {
                const popReceipt = await lease.release();
                if (this.runner.stopping || m.dequeueCount < this.options.maxDequeueCount) {
                    const seconds = this.runner.stopping ? 0 : Math.ceil(this.options.visibilityTimeoutMs / 1000);
                    await this.#client.updateMessage(m.messageId, popReceipt, undefined, seconds);
                } else {
                    await this.#moveToPoison(m, popReceipt, `it failed ${m.dequeueCount} time(s), reaching maxDequeueCount ${this.options.maxDequeueCount}`);
                }
                return;
            }
            await this.#client.deleteMessage(m.messageId, await lease.release());
        } catch (err) {
            await lease.release();
            this.log({ level: 'error', category: 'host', functionName: name, message: `Handling message ${m.messageId} of '${this.queueName}' failed: ${(err as Error).message}` });
        }
    }

    async #moveToPoison(m: DequeuedMessageItem, popReceipt: string, why: string): Promise<void> {
        this.log({
            level: 'warning',
            category: 'host',
            functionName: this.fn.name,
            message: `Message ${m.messageId} moved to queue '${this.poisonQueueName}' because ${why}.`,
        });
        await this.#poison.createIfNotExists();
        // The poison copy keeps the stored text (same encoding) so it can be replayed as is.
        await this.#poison.sendMessage(m.messageText);
        await this.#client.deleteMessage(m.messageId, popReceipt);
    }
}
