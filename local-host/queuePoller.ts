import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';
import type { RpcTypedData } from './coreTypes';
import { resolveSettingReference } from './env';
import type { QueueOptions } from './hostJson';
import type { HostLogger } from './logs';
import { decodeMessage, queueClientFor } from './queueMessages';
import type { RegisteredFunction } from './registry';
import type { FunctionRunner } from './runtime';

/** How long a received message stays invisible while its function runs (the extension's default). */
const PROCESSING_VISIBILITY_SECONDS = 600;
const MIN_POLL_MS = 100;
const STOP_WAIT_MS = 30_000;

/**
 * One queue-triggered function, polled like the Storage queues extension (QueueListener /
 * QueueProcessor): batches of `batchSize`, a new batch once no more than `newBatchThreshold`
 * messages are running, exponential back-off up to `maxPollingInterval` while the queue is
 * empty, delete on success, on failure release with `visibilityTimeout`, and after
 * `maxDequeueCount` failed attempts (or a message that cannot be decoded) move the message to
 * `<queue>-poison` and delete it from the queue.
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

    constructor(
        private readonly fn: RegisteredFunction,
        private readonly runner: FunctionRunner,
        private readonly options: QueueOptions,
        private readonly log: HostLogger,
    ) {
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
                    visibilityTimeout: PROCESSING_VISIBILITY_SECONDS,
                });
                received = response.receivedMessageItems;
            } catch (err) {
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
        try {
            if (m.dequeueCount > this.options.maxDequeueCount) {
                await this.#moveToPoison(m, `it was dequeued ${m.dequeueCount} times (maxDequeueCount ${this.options.maxDequeueCount})`);
                return;
            }
            const text = decodeMessage(m.messageText, this.options);
            if (text === undefined) {
                await this.#moveToPoison(m, 'its content is not valid Base64 (host.json extensions.queues.messageEncoding is base64)');
                return;
            }
            try {
                await this.runner.run(this.fn, {
                    triggerData: { string: text },
                    triggerMetadata: this.#metadata(m, text),
                    reason: `New queue message detected on '${this.queueName}'.`,
                });
            } catch (err) {
                if (this.runner.stopping || m.dequeueCount < this.options.maxDequeueCount) {
                    const seconds = this.runner.stopping ? 0 : Math.ceil(this.options.visibilityTimeoutMs / 1000);
                    await this.#client.updateMessage(m.messageId, m.popReceipt, m.messageText, seconds);
                } else {
                    await this.#moveToPoison(m, `it failed ${m.dequeueCount} time(s), reaching maxDequeueCount ${this.options.maxDequeueCount}`);
                }
                return;
            }
            await this.#client.deleteMessage(m.messageId, m.popReceipt);
        } catch (err) {
            this.log({ level: 'error', category: 'host', functionName: name, message: `Handling message ${m.messageId} of '${this.queueName}' failed: ${(err as Error).message}` });
        }
    }

    async #moveToPoison(m: DequeuedMessageItem, why: string): Promise<void> {
        this.log({
            level: 'warning',
            category: 'host',
            functionName: this.fn.name,
            message: `Message ${m.messageId} moved to queue '${this.poisonQueueName}' because ${why}.`,
        });
        await this.#poison.createIfNotExists();
        // The poison copy keeps the stored text (same encoding) so it can be replayed as is.
        await this.#poison.sendMessage(m.messageText);
        await this.#client.deleteMessage(m.messageId, m.popReceipt);
    }
}
