import type { QueueClient } from '@azure/storage-queue';
import { isRestError } from '@azure/core-rest-pipeline';
import type { HostLogger } from './logs';

/**
 * How long a received message stays invisible while its function runs. Azure's Storage queue
 * listener receives with a fixed 10 minutes, whatever host.json says (host.json
 * `visibilityTimeout` is only the delay before a failed message is retried), and keeps renewing
 * it while the function runs (azure-webjobs-sdk `QueueListener`: `_visibilityTimeout =
 * TimeSpan.FromMinutes(10)`).
 */
export const AZURE_MESSAGE_LEASE_SECONDS = 600;

/**
 * A received queue message held invisible while its function runs, renewed as the Storage queues
 * extension renews it (azure-webjobs-sdk `QueueListener.CreateUpdateMessageVisibilityTimer`:
 * "Update a message's visibility when it is halfway to expiring", i.e. every lease / 2, each time
 * back to the full lease; `UpdateQueueMessageVisibilityCommand`: after a failed update the next
 * one comes sooner (`LinearSpeedupStrategy`: interval / (failures + 1)), and a message that is gone
 * or whose pop receipt no longer matches is lost for good, so renewal stops).
 *
 * Every renewal returns a new pop receipt; `release()` stops renewing (waiting for one under way)
 * and gives the current receipt, so the delete or retry that follows uses it.
 */
export class MessageLease {
    #popReceipt: string;
    #timer: NodeJS.Timeout | undefined;
    #renewing: Promise<void> | undefined;
    #failures = 0;
    #released = false;

    constructor(
        private readonly queue: QueueClient,
        private readonly messageId: string,
        popReceipt: string,
        private readonly leaseSeconds: number,
        private readonly log: HostLogger,
        private readonly functionName: string,
    ) {
        this.#popReceipt = popReceipt;
        this.#schedule(this.#interval());
    }

    #interval(): number {
        return (this.leaseSeconds * 1000) / 2 / (this.#failures + 1);
    }

    #schedule(ms: number): void {
        if (this.#released) return;
        this.#timer = setTimeout(() => {
            this.#renewing = this.#renew().finally(() => {
                this.#renewing = undefined;
            });
        }, ms);
    }

    async #renew(): Promise<void> {
        try {
            const updated = await this.queue.updateMessage(this.messageId, this.#popReceipt, undefined, this.leaseSeconds);
            if (updated.popReceipt) this.#popReceipt = updated.popReceipt;
            this.#failures = 0;
        } catch (err) {
            const status = isRestError(err) ? err.statusCode : undefined;
            if (status === 404 || status === 400) {
                // 404: message or queue deleted; 400: pop receipt mismatch. Ownership is lost.
                this.log({ level: 'warning', category: 'host', functionName: this.functionName, message: `Message ${this.messageId}: its invisibility could not be renewed (HTTP ${status}); it may be delivered again.` });
                return;
            }
            this.#failures += 1;
            this.log({ level: 'warning', category: 'host', functionName: this.functionName, message: `Message ${this.messageId}: renewing its invisibility failed (${(err as Error).message}); trying again sooner.` });
        }
        this.#schedule(this.#interval());
    }

    /** Stops renewing; the pop receipt to delete or update the message with. */
    async release(): Promise<string> {
        this.#released = true;
        clearTimeout(this.#timer);
        await this.#renewing;
        return this.#popReceipt;
    }
}
