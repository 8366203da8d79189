import type { QueueClient } from '@azure/storage-queue';
import { encodeScanRequest, type ScanRequest } from './scanRequest';

/** Where scan requests go: `scan-requests` for pushes (intake), `rescan-requests` for rescans. */
export interface ScanRequestSink {
    /** `visibleAfterSeconds`: the request waits this long before a worker sees it (staggered rescans). */
    send(request: ScanRequest, options?: { readonly visibleAfterSeconds?: number }): Promise<void>;
}

/** Sends Base64 JSON, as the Functions host's queue trigger (messageEncoding base64) expects. */
export class QueueScanRequestSink implements ScanRequestSink {
    constructor(private readonly queue: Pick<QueueClient, 'sendMessage'>) {}

    async send(request: ScanRequest, options: { readonly visibleAfterSeconds?: number } = {}): Promise<void> {
        const text = encodeScanRequest(request);
        await this.queue.sendMessage(text, options.visibleAfterSeconds ? { visibilityTimeout: options.visibleAfterSeconds } : {});
    }
}
