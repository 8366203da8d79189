import { z } from 'zod';
import { isDigest, isRepository } from '../oci/reference';
import { isPlatform } from '../oci/platform';
import { versionedMessageCodec, type DecodedMessage } from '../storage/queueMessage';
import { decodeScanRequest, SCAN_REQUEST_SCHEMA, scanRequestShape, type ScanRequest } from './scanRequest';

/*
 * Version 2 of the scan queues' message (`acr-guard.scan-request`). Version 1 (scanRequest.ts) is
 * what intake and rescan selection send: one image to scan. Version 2 is what the scan worker sends
 * itself, because a scan no longer waits inside one invocation:
 * - `step: 'scan'`: scan this digest (a version 1 request reads as this);
 * - `step: 'check'`: this request's scan (or the scan it joined) was scheduled earlier; look at the
 *   digest's lease again (the run id and nonce are in our own records, never in the message).
 * An image child of a multi-platform index is scanned as a request of its own (`parent` names the
 * index, `platform` the child's platform for Trivy's --platform): children are scanned in parallel,
 * each under its own digest lease (one scan per child digest, whoever pushed it), and a child
 * request never tells the verdict observers: only the index's verdict is promoted or alerted.
 */
export const SCAN_MESSAGE_VERSION = 2;

export const scanSteps = ['scan', 'check'] as const;
export type ScanStep = (typeof scanSteps)[number];

export const scanMessageShape = scanRequestShape.extend({
    version: z.literal(SCAN_MESSAGE_VERSION),
    step: z.enum(scanSteps),
    parent: z
        .object({
            digest: z.string().refine(isDigest, { error: 'not a valid sha256/sha512 digest' }),
            repository: z.string().refine(isRepository, { error: 'not a valid OCI repository name' }),
        })
        .nullable(),
    platform: z.string().refine(isPlatform, { error: 'not a platform os/arch[/variant]' }).nullable(),
});

export type ScanMessage = z.output<typeof scanMessageShape>;

const codec = versionedMessageCodec({ schema: SCAN_REQUEST_SCHEMA, version: SCAN_MESSAGE_VERSION, shape: scanMessageShape, noun: 'scan request' });

/** A version 1 request as the version 2 message it means: scan it. */
export function scanStepOf(request: ScanRequest): ScanMessage {
    return { ...request, version: SCAN_MESSAGE_VERSION, step: 'scan', parent: null, platform: null };
}

export function encodeScanMessage(message: ScanMessage): string {
    return codec.encode(message);
}

/** Reads version 2, or version 1 (as a `scan` step); anything else is refused with the reason. */
export function decodeScanMessage(input: unknown): DecodedMessage<ScanMessage> {
    const v2 = codec.decode(input);
    if (v2.ok) return v2;
    const v1 = decodeScanRequest(input);
    if (v1.ok) return { ok: true, request: scanStepOf(v1.request) };
    // Name the problem of the version the message claims to be.
    return /version 2\b/.test(v1.reason) || /unsupported scan request version/.test(v1.reason) ? v2 : v1;
}

/** Where the scan worker puts its own messages: back on the queue the request came from. */
export interface ScanMessageSink {
    send(queue: string, message: ScanMessage, visibleAfterSeconds: number): Promise<void>;
}
