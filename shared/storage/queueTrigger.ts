/** What a queue-triggered function's context carries that the queue workers read. */
export interface QueueTriggerContext {
    readonly triggerMetadata?: Record<string, unknown> | undefined;
}

/**
 * The delivery count of the message (1 for the first delivery), from the trigger metadata
 * (`dequeueCount`; the worker camel-cases the host's `DequeueCount`). Missing or unreadable
 * counts as 1: the worst case is more retries, never a skipped one.
 */
export function dequeueCountOf(context: QueueTriggerContext): number {
    const meta = context.triggerMetadata ?? {};
    const raw = meta['dequeueCount'] ?? meta['DequeueCount'];
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : NaN;
    return Number.isInteger(n) && n >= 1 ? n : 1;
}

/**
 * Registration options for a queue trigger whose function must see the message exactly as it was
 * queued. `dataType: 'binary'` goes into the binding the Node worker sends the host (worker
 * `registerFunction`: `rawBindings` are the bindings' JSON; `fromCoreBindingDataType` maps
 * 'binary'), so the host passes the (Base64-decoded) body as bytes and `@azure/functions` hands
 * the function a Buffer. Without it the host sends a string and the library JSON-parses it (and
 * the `QueueTrigger` metadata too: `fromRpcTypedData` → `tryJsonParse`), so the original text is
 * lost to re-serialisation. Spread it into the registration:
 *   app.storageQueue(name, { ...originalMessageTrigger, queueName, connection, handler })
 * and read the input with `readQueueTriggerMessage`.
 */
export const originalMessageTrigger = { dataType: 'binary' } as const;

/** A queue trigger's input: the message as queued, and the value the handler works with. */
export interface QueueTriggerMessage {
    /** The message text exactly as queued (after the host's Base64 decoding), when `exact`. */
    readonly text: string;
    /** What the library would have handed over by default: the text's JSON value, else the text. */
    readonly value: unknown;
    /**
     * False when the input was already converted by the library (a registration without
     * `originalMessageTrigger`): `text` is then the value (serialised again), not the original.
     * Also false for bytes that are not UTF-8: `text` then has replacement characters.
     */
    readonly exact: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function jsonValueOf(text: string): unknown {
    try {
        return JSON.parse(text) as unknown;
    } catch {
        return text;
    }
}

/** Reads a queue trigger's input; byte-exact with `originalMessageTrigger`, best effort without it. */
export function readQueueTriggerMessage(input: unknown): QueueTriggerMessage {
    if (input instanceof Uint8Array) {
        let text: string;
        let exact = true;
        try {
            text = utf8.decode(input);
        } catch {
            text = Buffer.from(input).toString('utf8');
            exact = false;
        }
        return { text, value: jsonValueOf(text), exact };
    }
    // Without `originalMessageTrigger` the library has parsed what it could (a JSON string
    // literal arrives unquoted), so nothing here is known to be the original.
    return { text: originalMessageText(input, undefined), value: input, exact: false };
}

/**
 * The text to keep when parking a message: the trigger's own text when the metadata has it,
 * else the (already decoded) message serialised back.
 */
export function originalMessageText(message: unknown, triggerText: string | undefined): string {
    if (triggerText !== undefined) return triggerText;
    if (typeof message === 'string') return message;
    try {
        return JSON.stringify(message) ?? String(message);
    } catch {
        return String(message);
    }
}
