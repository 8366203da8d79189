import type { QueueClient } from '@azure/storage-queue';
import { encodePatchRequest, type PatchRequest } from './patchRequest';

/** Where patch requests go: the `patch-requests` queue in the app. */
export interface PatchRequestSink {
    /** `delaySeconds`: the message stays invisible that long (how a cycle staggers its runs). */
    send(request: PatchRequest, delaySeconds?: number): Promise<void>;
}

/** Azure Queue storage's longest visibility timeout: 7 days. */
export const MAX_VISIBILITY_SECONDS = 7 * 24 * 60 * 60 - 60;

export class QueuePatchRequestSink implements PatchRequestSink {
    constructor(private readonly queue: QueueClient) {}

    async send(request: PatchRequest, delaySeconds = 0): Promise<void> {
        const text = encodePatchRequest(request);
        const delay = Math.max(0, Math.min(MAX_VISIBILITY_SECONDS, Math.floor(delaySeconds)));
        // A delayed message must outlive its delay: -1 = no expiry (the default TTL is 7 days).
        await this.queue.sendMessage(text, delay > 0 ? { visibilityTimeout: delay, messageTimeToLive: -1 } : {});
    }
}

/**
 * The stagger of a cycle: request `index` (0-based) becomes visible after floor(index / perMinute)
 * minutes, so at most `perMinute` patch runs start per minute whatever the cycle's size (ACR's
 * trigger task does batches of 10 then sleeps 30 s). Capped at the queue's 7-day limit.
 */
export function staggerDelaySeconds(index: number, perMinute: number): number {
    if (!Number.isInteger(index) || index < 0) throw new RangeError('index must be a whole number >= 0');
    if (!Number.isInteger(perMinute) || perMinute < 1) throw new RangeError('perMinute must be a whole number >= 1');
    return Math.min(MAX_VISIBILITY_SECONDS, Math.floor(index / perMinute) * 60);
}
