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

/** The message text as the trigger received it (kept in a parked copy), when the metadata has it. */
export function queueTriggerText(context: QueueTriggerContext): string | undefined {
    const meta = context.triggerMetadata ?? {};
    const text = meta['queueTrigger'] ?? meta['QueueTrigger'];
    return typeof text === 'string' ? text : undefined;
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
