import { z } from 'zod';
import { checkDigest, checkRegistry, checkRepository, checkTag } from '../oci/reference';
import { formatIssues } from '../validation/issuePath';
import { ACR_EVENT_TYPES, type AcrEventType } from './eventTypes';
import type { EventSchema, NormalisedEvent, PartialRegistryEvent, RegistryEvent } from './registryEvent';
import { parseTimestamp } from './timestamp';
import { errorMessage } from '../errors/errorMessage';

/*
 * Normalisation of ACR events from the Event Grid schema and CloudEvents 1.0 into one
 * RegistryEvent. Lenient where the real samples disagree (optional request/actor/source/
 * connectedRegistry/tag/size/length, timestamp formats, `data` as a JSON string, the
 * `specVersion` spelling, short type names), strict where it matters: an image event without a
 * valid repository and digest is rejected with a reason, never guessed from the subject.
 * Normalisation never throws: every outcome is a value.
 */

const text = z.string().nullish();
const count = z.number().nullish();

const targetShape = z.object({
    mediaType: text,
    size: count,
    digest: text,
    length: count,
    repository: text,
    url: text,
    tag: text,
    name: text,
    version: text,
});

/** ContainerRegistryEventData / ContainerRegistryArtifactEventData, every field optional. */
const dataShape = z.object({
    id: text,
    timestamp: text,
    action: text,
    location: text,
    target: targetShape.nullish(),
    request: z.object({ id: text, addr: text, host: text, method: text, useragent: text }).nullish(),
    actor: z.object({ name: text }).nullish(),
    source: z.object({ addr: text, instanceID: text }).nullish(),
    connectedRegistry: z.object({ name: text }).nullish(),
});

const eventGridShape = z.object({
    id: z.string(),
    topic: text,
    subject: text,
    eventType: z.string(),
    eventTime: text,
    data: z.unknown(),
    dataVersion: text,
    metadataVersion: text,
});

const cloudEventShape = z.object({
    id: z.string(),
    source: text,
    subject: text,
    type: z.string(),
    time: text,
    data: z.unknown(),
    specversion: text,
    // Quirk of the rest-api-specs CloudEvents image_deleted example.
    specVersion: text,
});

const SUBSCRIPTION_VALIDATION = 'Microsoft.EventGrid.SubscriptionValidationEvent';
const TYPE_PREFIX = 'Microsoft.ContainerRegistry.';
/** UTF-8 bytes: the id's table key (percent-encoded, at most 3 characters a byte) stays under the 1 KiB RowKey limit. */
const MAX_EVENT_ID = 256;
const MAX_TEXT = 512;

const isImageType = (type: AcrEventType) => type.endsWith('.ImagePushed') || type.endsWith('.ImageDeleted');

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function emptyPartial(): Mutable<PartialRegistryEvent> {
    return {
        eventId: null,
        type: null,
        action: null,
        registry: null,
        repository: null,
        tag: null,
        digest: null,
        mediaType: null,
        size: null,
        chart: null,
        actor: null,
        userAgent: null,
        requestHost: null,
        connectedRegistry: null,
        time: null,
        eventTime: null,
        topic: null,
        schema: null,
    };
}

/**
 * An event id that can be a dedup key and a log field: non-empty, at most MAX_EVENT_ID UTF-8
 * bytes, no control characters. Counting characters is not enough: 256 non-ASCII characters
 * percent-encode to more than the RowKey's 1 KiB, and the insert would fail on every delivery.
 */
export function isUsableEventId(id: string): boolean {
    return id.length > 0 && Buffer.byteLength(id, 'utf8') <= MAX_EVENT_ID && !/\p{Cc}/u.test(id);
}

const quote = (value: string) => JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);

/** Free text for logs and rows: control characters replaced, length capped. */
function cleanText(value: string | null | undefined, max = MAX_TEXT): string | null {
    if (value === null || value === undefined) return null;
    // \p{Cc}: every control character (C0, DEL and C1), so a value cannot forge log lines.
    const cleaned = value.replace(/\p{Cc}/gu, '?');
    return cleaned.length > max ? cleaned.slice(0, max) : cleaned;
}

function describe(value: unknown): string {
    if (value === null) return 'null';
    if (Array.isArray(value)) return 'an array';
    return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

const zodReason = (error: z.ZodError) => formatIssues(error.issues).join('; ');

/** An event type as sent, in full form when it is one of ours (the docs samples use "ImagePushed"). */
function resolveType(sent: string): AcrEventType | undefined {
    const full = sent.startsWith(TYPE_PREFIX) ? sent : `${TYPE_PREFIX}${sent}`;
    return (ACR_EVENT_TYPES as readonly string[]).includes(full) ? (full as AcrEventType) : undefined;
}

/** The login server from a `…/providers/Microsoft.ContainerRegistry/registries/NAME` ARM id. */
export function registryFromTopic(topic: string | null | undefined): string | null {
    const match = /\/providers\/Microsoft\.ContainerRegistry\/registries\/([^/]+)\/?$/i.exec(topic ?? '');
    const name = match?.[1];
    // ACR names: 5-50 alphanumerics (placeholders such as "{name}" or "<name>" do not qualify).
    return name && /^[A-Za-z0-9]{5,50}$/.test(name) ? `${name.toLowerCase()}.azurecr.io` : null;
}

/** RFC 6838 type/subtype characters; anything else is not kept. */
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}(?:\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126})?$/;

interface Envelope {
    id: string;
    sentType: string;
    topic: string | null;
    envelopeTime: string | null | undefined;
    envelopeTimeField: 'eventTime' | 'time';
    data: unknown;
    schema: EventSchema;
}

/** Normalises one event (an object, or a JSON string holding one). */
export function normaliseEvent(input: unknown): NormalisedEvent {
    const warnings: string[] = [];
    const partial = emptyPartial();
    const reject = (reason: string): NormalisedEvent => ({ ok: false, reason, partial: { ...partial }, warnings });

    let raw = input;
    if (typeof raw === 'string') {
        try {
            raw = JSON.parse(raw) as unknown;
        } catch (err) {
            return reject(`malformed JSON: ${errorMessage(err)}`);
        }
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        return reject(`expected an event object, got ${describe(raw)}`);
    }
    const record = raw as Record<string, unknown>;
    if (typeof record.id === 'string') partial.eventId = cleanText(record.id, MAX_EVENT_ID);

    // The Event Grid schema has eventType; CloudEvents has type. A host that maps a CloudEvent
    // onto the EventGridEvent shape keeps eventType, so that one wins when both are present.
    let envelope: Envelope;
    if (typeof record.eventType === 'string' || ('eventType' in record && !('type' in record))) {
        partial.schema = 'eventgrid';
        if (typeof record.eventType === 'string') partial.type = cleanText(record.eventType);
        const parsed = eventGridShape.safeParse(record);
        if (!parsed.success) return reject(`not a valid Event Grid event: ${zodReason(parsed.error)}`);
        const e = parsed.data;
        envelope = {
            id: e.id,
            sentType: e.eventType,
            topic: e.topic ?? null,
            envelopeTime: e.eventTime,
            envelopeTimeField: 'eventTime',
            data: e.data,
            schema: 'eventgrid',
        };
    } else if ('type' in record) {
        partial.schema = 'cloudevents';
        if (typeof record.type === 'string') partial.type = cleanText(record.type);
        const parsed = cloudEventShape.safeParse(record);
        if (!parsed.success) return reject(`not a valid CloudEvent: ${zodReason(parsed.error)}`);
        const e = parsed.data;
        if (e.specversion == null && e.specVersion != null) {
            warnings.push('CloudEvent uses "specVersion" (camelCase) instead of "specversion"; accepted');
        }
        const specversion = e.specversion ?? e.specVersion;
        if (specversion != null && specversion !== '1.0') {
            return reject(`unsupported CloudEvents specversion ${quote(specversion)} (expected "1.0")`);
        }
        envelope = {
            id: e.id,
            sentType: e.type,
            topic: e.source ?? null,
            envelopeTime: e.time,
            envelopeTimeField: 'time',
            data: e.data,
            schema: 'cloudevents',
        };
    } else {
        return reject('neither an Event Grid event (no "eventType") nor a CloudEvent (no "type")');
    }
    partial.topic = cleanText(envelope.topic, 1024);

    // The event id becomes a table key and a log field: bounded and printable.
    if (!isUsableEventId(envelope.id)) {
        return reject(`event id ${quote(envelope.id)} is empty, longer than ${MAX_EVENT_ID} bytes (UTF-8) or not printable`);
    }

    if (envelope.sentType === SUBSCRIPTION_VALIDATION) {
        return reject('subscription validation event: answered by the host handshake, not a registry event');
    }
    const type = resolveType(envelope.sentType);
    if (!type) return reject(`unknown event type ${quote(envelope.sentType)}: not an ACR registry event`);
    partial.type = type;
    if (type !== envelope.sentType) warnings.push(`short event type ${quote(envelope.sentType)} read as ${type}`);

    if (envelope.envelopeTime != null) {
        partial.eventTime = parseTimestamp(envelope.envelopeTime);
        if (partial.eventTime === null) {
            warnings.push(`${envelope.envelopeTimeField} ${quote(envelope.envelopeTime)} is not an RFC 3339 timestamp; ignored`);
        }
    }

    // ACR has delivered `data` as a JSON string: parse it once more.
    let data = envelope.data;
    if (typeof data === 'string') {
        try {
            data = JSON.parse(data) as unknown;
        } catch (err) {
            return reject(`data is a string but not JSON: ${errorMessage(err)}`);
        }
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
        return reject(`data must be an object, got ${describe(data)}`);
    }
    const parsedData = dataShape.safeParse(data);
    if (!parsedData.success) return reject(`data does not match the ACR event data: ${zodReason(parsedData.error)}`);
    const d = parsedData.data;
    const target = d.target ?? undefined;

    partial.action = cleanText(d.action, 64);
    partial.actor = cleanText(d.actor?.name, 256);
    partial.userAgent = cleanText(d.request?.useragent);
    partial.requestHost = cleanText(d.request?.host, 256);
    partial.connectedRegistry = cleanText(d.connectedRegistry?.name, 256);
    partial.size = target?.size ?? target?.length ?? null;

    if (d.timestamp != null) {
        partial.time = parseTimestamp(d.timestamp);
        if (partial.time === null) warnings.push(`data.timestamp ${quote(d.timestamp)} is not an RFC 3339 timestamp; ignored`);
    }
    partial.time ??= partial.eventTime;

    const host = d.request?.host?.toLowerCase();
    if (host && checkRegistry(host).ok) {
        partial.registry = host;
    } else {
        if (host) warnings.push(`data.request.host ${quote(host)} is not a host name; registry taken from the topic`);
        partial.registry = registryFromTopic(envelope.topic);
    }

    if (target?.mediaType != null) {
        if (MEDIA_TYPE.test(target.mediaType)) partial.mediaType = target.mediaType;
        else warnings.push(`data.target.mediaType ${quote(target.mediaType)} is not a media type; ignored`);
    }

    const image = isImageType(type);
    const short = type.slice(TYPE_PREFIX.length);
    if (image && !target) return reject(`${short} without data.target: rejected, nothing is guessed`);

    // Image events: repository and digest identify what to scan or what was deleted, so they
    // must be present and valid. Chart events are only recorded: bad fields become null.
    const fields: Array<['repository' | 'digest' | 'tag', string | null | undefined, typeof checkRepository, boolean]> = [
        ['repository', target?.repository, checkRepository, true],
        ['digest', target?.digest, checkDigest, true],
        ['tag', target?.tag, checkTag, false],
    ];
    for (const [name, value, check, required] of fields) {
        if (value == null) {
            if (image && required) return reject(`${short} without data.target.${name}: rejected, nothing is guessed`);
            continue;
        }
        const verdict = check(value);
        if (verdict.ok) {
            partial[name] = value;
        } else if (image) {
            partial[name] = cleanText(value, 300);
            return reject(`${short} with an invalid data.target.${name}: ${verdict.reason}`);
        } else {
            warnings.push(`${verdict.reason}; ignored`);
        }
    }

    if (!image) {
        partial.chart = { name: cleanText(target?.name, 256), version: cleanText(target?.version, 128) };
    }

    const event: RegistryEvent = {
        ...partial,
        eventId: envelope.id,
        type,
        schema: envelope.schema,
    };
    return { ok: true, event, warnings };
}

/** One outcome per event: a payload is one event or an array of them (as Event Grid delivers). */
export function normaliseEvents(payload: unknown): NormalisedEvent[] {
    return Array.isArray(payload) ? payload.map((item) => normaliseEvent(item)) : [normaliseEvent(payload)];
}
