import type { QueueClient } from '@azure/storage-queue';
import { encodeScanRequest, type ScanRequest } from '../scan/scanRequest';
import { onceUntilSuccess } from '../storage/onceUntilSuccess';

/** Where scan requests go: the `scan-requests` queue in the app. */
export interface ScanRequestSink {
    send(request: ScanRequest): Promise<void>;
}

/** Sends Base64 JSON, as the Functions host's queue trigger (messageEncoding base64) expects. */
export class QueueScanRequestSink implements ScanRequestSink {
    constructor(private readonly queue: QueueClient) {}

    private readonly ensureQueue = onceUntilSuccess(() => this.queue.createIfNotExists());

    async send(request: ScanRequest): Promise<void> {
        const text = encodeScanRequest(request);
        await this.ensureQueue();
        await this.queue.sendMessage(text);
    }
}
