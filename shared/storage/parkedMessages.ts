import type { QueueClient } from '@azure/storage-queue';
import { fromQueueText, toQueueText } from './queueMessage';

/**
 * What a queue worker parks itself in `<queue>-poison` (instead of letting the host retry a
 * message that can never succeed): a malformed request, or one the worker refuses (a scanner's
 * `invalid-request`). Retrying those would only delay the poison copy by maxDequeueCount ×
 * visibilityTimeout and cost as many invocations; parking at once keeps the reason with it.
 *
 * The poison message is Base64 JSON like every app message:
 *   { schema: 'acr-guard.parked-message', version: 1, queue, reason, parkedAt, message }
 * where `message` is the original message text exactly as it was queued, so it can be inspected
 * and, once fixed, replayed. Only a trigger registered with `originalMessageTrigger` sees that
 * text (`readQueueTriggerMessage(input).text`, shared/storage/queueTrigger.ts): by default the
 * `@azure/functions` library JSON-parses the message and its `QueueTrigger` metadata, and
 * serialising the value again changes spacing, key order and escapes. Messages the host parks itself (after the last failed
 * attempt) are copied unchanged, as the Functions host does.
 */
export const PARKED_MESSAGE_SCHEMA = 'acr-guard.parked-message';

export interface ParkedMessage {
    readonly schema: typeof PARKED_MESSAGE_SCHEMA;
    readonly version: 1;
    readonly queue: string;
    readonly reason: string;
    readonly parkedAt: string;
    readonly message: string;
}

export interface MessageParking {
    /** Writes the message with its reason to `<queue>-poison`; throws when it could not (so the host retries). */
    park(queue: string, message: string, reason: string): Promise<void>;
}

export function decodeParkedMessage(text: string): ParkedMessage {
    return fromQueueText(text) as ParkedMessage;
}

export class QueueMessageParking implements MessageParking {
    /** `poisonQueue(queue)` gives a client for `<queue>-poison`. */
    constructor(
        private readonly poisonQueue: (queue: string) => QueueClient,
        private readonly now: () => Date = () => new Date(),
    ) {}

    async park(queue: string, message: string, reason: string): Promise<void> {
        const client = this.poisonQueue(queue);
        const parked: ParkedMessage = {
            schema: PARKED_MESSAGE_SCHEMA,
            version: 1,
            queue,
            reason: reason.slice(0, 4000),
            parkedAt: this.now().toISOString(),
            // A queue message is at most 64 KiB; a scan request is far smaller, anything huge is cut.
            message: message.slice(0, 40_000),
        };
        await client.sendMessage(toQueueText(parked));
    }
}
