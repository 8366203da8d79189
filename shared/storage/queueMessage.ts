import type { z } from 'zod';
import { formatIssues } from '../validation/issuePath';

/** The queue text for a value: Base64 of its JSON (host.json messageEncoding base64, the Functions default). */
export function toQueueText(value: unknown): string {
    return Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
}

/** The value behind a queue text written by `toQueueText` (throws on text that is not Base64 JSON). */
export function fromQueueText(text: string): unknown {
    return JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as unknown;
}

export type DecodedMessage<T> = { ok: true; request: T } | { ok: false; reason: string };

export interface VersionedMessageCodec<T> {
    /** Validates and serialises as the queue text. */
    encode(message: T): string;
    /**
     * Reads a message from what a queue trigger receives: the Functions host Base64-decodes and
     * JSON-parses the message, so the input may be an object, a JSON string or the raw Base64.
     * A known schema at another version, unreadable text and zod issues come back as a reason.
     */
    decode(input: unknown): DecodedMessage<T>;
}

/**
 * The codec of a versioned queue message (`{ schema, version, ... }`): a worker refuses (parks) a
 * shape or version it does not know instead of misreading it. `noun` names it in reasons
 * ("scan request").
 */
export function versionedMessageCodec<S extends z.ZodType>(options: {
    readonly schema: string;
    readonly version: number;
    readonly shape: S;
    readonly noun: string;
}): VersionedMessageCodec<z.output<S>> {
    const { schema, version, shape, noun } = options;
    return {
        encode: (message) => toQueueText(shape.parse(message)),
        decode(input) {
            let value = input;
            if (typeof value === 'string') {
                const trimmed = value.trim();
                const json = trimmed.startsWith('{') ? trimmed : Buffer.from(trimmed, 'base64').toString('utf8');
                try {
                    value = JSON.parse(json) as unknown;
                } catch {
                    return { ok: false, reason: `${noun} is neither JSON nor Base64-encoded JSON` };
                }
            }
            if (typeof value === 'object' && value !== null && 'schema' in value && 'version' in value) {
                const found = value as { schema: unknown; version: unknown };
                if (found.schema === schema && found.version !== version) {
                    return { ok: false, reason: `unsupported ${noun} version ${JSON.stringify(found.version)} (this worker reads ${version})` };
                }
            }
            const parsed = shape.safeParse(value);
            if (!parsed.success) {
                return { ok: false, reason: `invalid ${noun}: ${formatIssues(parsed.error.issues).join('; ')}` };
            }
            return { ok: true, request: parsed.data };
        },
    };
}
