import type { QueueClient } from '@azure/storage-queue';
import { encodeScanMessage, type ScanMessage, type ScanMessageSink } from './scanMessage';

/** The scan worker's own messages (checks, index children) on the app's queues, Base64 JSON like every message. */
export class QueueScanMessageSink implements ScanMessageSink {
    constructor(private readonly queue: (name: string) => Pick<QueueClient, 'sendMessage'>) {}

    async send(queue: string, message: ScanMessage, visibleAfterSeconds: number): Promise<void> {
        await this.queue(queue).sendMessage(encodeScanMessage(message), visibleAfterSeconds > 0 ? { visibilityTimeout: visibleAfterSeconds } : {});
    }
}
