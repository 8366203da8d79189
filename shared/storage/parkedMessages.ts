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

/**
 * The prefix of the one log line written for each message the app parks itself. The infra alert on
 * poison queues matches it (infra/modules/alerts.bicep: `traces | where message startswith
 * "ACR_GUARD_PARKED "`); messages the host parks are matched by the host's own MaxDequeueCount line.
 */
export const PARKED_LOG_PREFIX = 'ACR_GUARD_PARKED ';

/** `ACR_GUARD_PARKED {"queue":…,"reason":…,"parkedAt":…}`: what was parked and why, never the message itself. */
export function parkedLogLine(parked: Pick<ParkedMessage, 'queue' | 'reason' | 'parkedAt'>): string {
    return `${PARKED_LOG_PREFIX}${JSON.stringify({ queue: parked.queue, reason: parked.reason.slice(0, 500), parkedAt: parked.parkedAt })}`;
}

export class QueueMessageParking implements MessageParking {
    /** `poisonQueue(queue)` gives a client for `<queue>-poison`; `log` gets the ACR_GUARD_PARKED line (Application Insights in Azure). */
    constructor(
        private readonly poisonQueue: (queue: string) => QueueClient,
        private readonly now: () => Date = () => new Date(),
        private readonly log: (line: string) => void = (line) => console.warn(line),
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
        // After the write: the line says a message waits in the poison queue, so it must be there.
        this.log(parkedLogLine(parked));
    }
}
