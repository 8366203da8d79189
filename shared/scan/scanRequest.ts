import { createHash } from 'node:crypto';
import { z } from 'zod';
import { isDigest, isRegistry, isRepository, isTag } from '../oci/reference';
import { versionedMessageCodec, type DecodedMessage } from '../storage/queueMessage';

/**
 * The message on the `scan-requests` queue: versioned so a worker can refuse (poison) a shape it
 * does not know instead of misreading it. Scans are idempotent per digest, so a duplicate
 * request (a redelivered event whose enqueue was repeated) costs at most a repeated lookup.
 */
export const SCAN_REQUEST_SCHEMA = 'acr-guard.scan-request';
export const SCAN_REQUEST_VERSION = 1;

export const scanRequestReasons = ['push', 'rescan', 'patch', 'manual'] as const;
export type ScanReason = (typeof scanRequestReasons)[number];

export const scanRequestShape = z.object({
    schema: z.literal(SCAN_REQUEST_SCHEMA),
    version: z.literal(SCAN_REQUEST_VERSION),
    requestId: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, { error: 'expected 1-128 characters [A-Za-z0-9._:-]' }),
    registry: z.string().refine(isRegistry, { error: 'not a valid registry host name' }),
    repository: z.string().refine(isRepository, { error: 'not a valid OCI repository name' }),
    digest: z.string().refine(isDigest, { error: 'not a valid sha256/sha512 digest' }),
    tag: z.string().refine(isTag, { error: 'not a valid OCI tag' }).nullable(),
    reason: z.enum(scanRequestReasons),
    requestedAt: z.iso.datetime({ offset: true }),
    sourceEventId: z.string().min(1).max(256).nullable(),
});

export type ScanRequest = z.output<typeof scanRequestShape>;

/** A request id that is the same for every delivery of the same event (for log correlation). */
export function scanRequestIdFor(sourceEventId: string, reason: ScanReason): string {
    return `${reason}-${createHash('sha256').update(sourceEventId).digest('hex').slice(0, 32)}`;
}

const codec = versionedMessageCodec({ schema: SCAN_REQUEST_SCHEMA, version: SCAN_REQUEST_VERSION, shape: scanRequestShape, noun: 'scan request' });

/** Validates and serialises as the queue text: Base64 of the JSON (host.json messageEncoding base64). */
export function encodeScanRequest(request: ScanRequest): string {
    return codec.encode(request);
}

export type DecodedScanRequest = DecodedMessage<ScanRequest>;

/**
 * Reads a scan request from what a queue trigger receives: the Functions host Base64-decodes
 * and JSON-parses the message, so the input may be an object, a JSON string or the raw Base64.
 */
export function decodeScanRequest(input: unknown): DecodedScanRequest {
    return codec.decode(input);
}
