import type { QueueClient } from '@azure/storage-queue';
import { encodeScanRequest, type ScanRequest } from '../scan/scanRequest';

/** Where scan requests go: the `scan-requests` queue in the app. */
export interface ScanRequestSink {
    send(request: ScanRequest): Promise<void>;
}

/** Sends Base64 JSON, as the Functions host's queue trigger (messageEncoding base64) expects. */
export class QueueScanRequestSink implements ScanRequestSink {
    private ready: Promise<unknown> | undefined;

    constructor(private readonly queue: QueueClient) {}

    private ensureQueue(): Promise<unknown> {
        this.ready ??= this.queue.createIfNotExists().catch((err: unknown) => {
            this.ready = undefined;
            throw err;
        });
        return this.ready;
    }

    async send(request: ScanRequest): Promise<void> {
        const text = encodeScanRequest(request);
        await this.ensureQueue();
        await this.queue.sendMessage(text);
    }
}
