/*
 * What Event Grid writes into the dead-letter container (Microsoft Learn, "Event Grid message
 * delivery and retry" → dead-letter events, and "Set dead-letter location and retry policy"):
 * - blob names `<SUBSCRIPTION NAME IN UPPER CASE>/YYYY/M/D/H/<guid>.json` (date and hour UTC, not
 *   zero-padded), e.g. `ACR-GUARD-INTAKE/2019/8/8/5/111111111-1111-1111-1111-111111111111.json`;
 * - each blob a JSON array of one or more events, each the event as published plus the dead-letter
 *   metadata: `deadLetterReason` (e.g. MaxDeliveryAttemptsExceeded, UndeliverableDueToHttpBadRequest),
 *   `deliveryAttempts`, `lastDeliveryOutcome`, `lastHttpStatusCode`, `publishTime`,
 *   `lastDeliveryAttemptTime` (Event Grid schema; the same names in lower case as CloudEvents
 *   extension attributes in the CloudEvents schema).
 */

/** The dead-letter metadata Event Grid adds to an event, by its Event Grid schema name. */
const METADATA = ['deadLetterReason', 'deliveryAttempts', 'lastDeliveryOutcome', 'lastHttpStatusCode', 'publishTime', 'lastDeliveryAttemptTime'] as const;
const METADATA_KEYS = new Set<string>([...METADATA, ...METADATA.map((k) => k.toLowerCase())]);

export interface DeadLetterInfo {
    readonly reason: string | null;
    readonly deliveryAttempts: number | null;
    readonly lastDeliveryOutcome: string | null;
    readonly lastHttpStatusCode: number | null;
    readonly publishTime: string | null;
}

export interface DeadLetteredEvent {
    /** The event as it was published (the dead-letter metadata removed): what the intake gets. */
    readonly event: unknown;
    readonly info: DeadLetterInfo;
}

export type ParsedDeadLetterBlob = { readonly ok: true; readonly events: readonly DeadLetteredEvent[] } | { readonly ok: false; readonly reason: string };

const field = (o: Record<string, unknown>, name: string): unknown => o[name] ?? o[name.toLowerCase()];
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v.slice(0, 256) : null);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Splits one event of a dead-letter blob into the original event and its dead-letter metadata. */
export function splitDeadLetteredEvent(entry: unknown): DeadLetteredEvent {
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) {
        // Not an event at all: the intake records it as rejected, with its reason.
        return { event: entry, info: { reason: null, deliveryAttempts: null, lastDeliveryOutcome: null, lastHttpStatusCode: null, publishTime: null } };
    }
    const o = entry as Record<string, unknown>;
    const event = Object.fromEntries(Object.entries(o).filter(([k]) => !METADATA_KEYS.has(k)));
    return {
        event,
        info: {
            reason: str(field(o, 'deadLetterReason')),
            deliveryAttempts: num(field(o, 'deliveryAttempts')),
            lastDeliveryOutcome: str(field(o, 'lastDeliveryOutcome')),
            lastHttpStatusCode: num(field(o, 'lastHttpStatusCode')),
            publishTime: str(field(o, 'publishTime')),
        },
    };
}

/** A dead-letter blob's text: a JSON array of events (a single object is accepted as one event). */
export function parseDeadLetterBlob(text: string): ParsedDeadLetterBlob {
    let value: unknown;
    try {
        value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    } catch (err) {
        return { ok: false, reason: `not JSON: ${err instanceof Error ? err.message : String(err)}` };
    }
    const entries = Array.isArray(value) ? value : value && typeof value === 'object' ? [value] : null;
    if (!entries) return { ok: false, reason: `expected a JSON array of events, got ${value === null ? 'null' : typeof value}` };
    if (entries.length === 0) return { ok: false, reason: 'an empty array: no event to replay' };
    return { ok: true, events: entries.map(splitDeadLetteredEvent) };
}
