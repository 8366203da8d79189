import type { AcrEventType } from './eventTypes';

/** Which envelope an event arrived in. */
export type EventSchema = 'eventgrid' | 'cloudevents';

/**
 * One ACR registry event, normalised from either envelope. Every field the samples may leave
 * out is `null` rather than absent, so consumers (and `acr-guard event inspect`) see one shape.
 * Values that reach storage keys, queue messages or later an ACR Task / KQL query (registry,
 * repository, tag, digest) are validated against the OCI grammar before they get here.
 */
export interface RegistryEvent {
    /** The envelope id (Event Grid `id` / CloudEvents `id`): the deduplication key. */
    readonly eventId: string;
    /** Always the full type name, even when the sample used the short form ("ImagePushed"). */
    readonly type: AcrEventType;
    /** `data.action` as sent (`push`, `delete`, `chart_push`, `chart_delete`, …), null if absent. */
    readonly action: string | null;
    /**
     * Login server: `data.request.host` when it is a valid host name, else derived from the
     * topic/source ARM id (`…/registries/NAME` → `name.azurecr.io`, public cloud only), else null.
     */
    readonly registry: string | null;
    readonly repository: string | null;
    readonly tag: string | null;
    readonly digest: string | null;
    readonly mediaType: string | null;
    /** `data.target.size`, else the deprecated `data.target.length`. */
    readonly size: number | null;
    /** Helm chart name/version (chart events only). */
    readonly chart: { readonly name: string | null; readonly version: string | null } | null;
    readonly actor: string | null;
    readonly userAgent: string | null;
    readonly requestHost: string | null;
    /** Name of the connected registry that originated the event, if any. */
    readonly connectedRegistry: string | null;
    /**
     * When the registry performed the action: `data.timestamp`, else the envelope time; ISO 8601
     * UTC with millisecond precision; null when neither is a valid RFC 3339 instant.
     */
    readonly time: string | null;
    /** The envelope's own time (`eventTime` / `time`), null when absent or malformed. */
    readonly eventTime: string | null;
    /** The topic (Event Grid) or source (CloudEvents) ARM id, as sent. */
    readonly topic: string | null;
    readonly schema: EventSchema;
}

/** What could be read from an event that was rejected: same fields, all nullable. */
export type PartialRegistryEvent = {
    readonly [K in keyof RegistryEvent]: K extends 'type' ? string | null : RegistryEvent[K] | null;
};

export type NormalisedEvent =
    | { readonly ok: true; readonly event: RegistryEvent; readonly warnings: readonly string[] }
    | { readonly ok: false; readonly reason: string; readonly partial: PartialRegistryEvent; readonly warnings: readonly string[] };
