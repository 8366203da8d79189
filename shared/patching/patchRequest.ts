import { z } from 'zod';
import { isDigest, isRegistry, isRepository, isTag } from '../oci/reference';
import { versionedMessageCodec, type DecodedMessage } from '../storage/queueMessage';

/**
 * Messages on the `patch-requests` queue, versioned like ScanRequest so a worker refuses (parks)
 * a shape it does not know instead of misreading it. Two kinds:
 * - `patch`: one (repository, original tag) of a cycle, fanned out by the cycle; the worker
 *   decides (skip or patch) and schedules the patch task run;
 * - `check`: "look at patch run R again", sent by the worker with a visibility delay, so no
 *   invocation waits for a Trivy + Copacetic run that may take most of an hour.
 * Every name is checked against the OCI grammar here, and again before it reaches a task.
 */
export const PATCH_REQUEST_SCHEMA = 'acr-guard.patch-request';
export const PATCH_REQUEST_VERSION = 1;

const cycleId = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'expected 1-64 characters [A-Za-z0-9._-]' });
const common = {
    schema: z.literal(PATCH_REQUEST_SCHEMA),
    version: z.literal(PATCH_REQUEST_VERSION),
    cycleId,
    registry: z.string().refine(isRegistry, { error: 'not a valid registry host name' }),
    repository: z.string().refine(isRepository, { error: 'not a valid OCI repository name' }),
    /** The original tag: patches are always built from it. */
    tag: z.string().refine(isTag, { error: 'not a valid OCI tag' }),
    requestedAt: z.iso.datetime({ offset: true }),
};

export const patchRequestShape = z.discriminatedUnion('kind', [
    z.object({
        ...common,
        kind: z.literal('patch'),
        latestPatchTag: z.string().refine(isTag, { error: 'not a valid OCI tag' }).nullable(),
        nextPatchTag: z.string().refine(isTag, { error: 'not a valid OCI tag' }),
        tagConvention: z.enum(['incremental', 'floating']),
    }),
    z.object({
        ...common,
        kind: z.literal('check'),
        runId: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, { error: 'not an ACR run id' }),
        /** When the run was scheduled: the check gives up after the run's own time limit. */
        scheduledAt: z.iso.datetime({ offset: true }),
        digest: z.string().refine(isDigest, { error: 'not a valid digest' }),
    }),
]);

export type PatchRequest = z.output<typeof patchRequestShape>;
export type PatchImageRequest = Extract<PatchRequest, { kind: 'patch' }>;
export type PatchCheckRequest = Extract<PatchRequest, { kind: 'check' }>;

const codec = versionedMessageCodec({ schema: PATCH_REQUEST_SCHEMA, version: PATCH_REQUEST_VERSION, shape: patchRequestShape, noun: 'patch request' });

/** Validates and serialises as the queue text: Base64 of the JSON (host.json messageEncoding base64). */
export function encodePatchRequest(request: PatchRequest): string {
    return codec.encode(request);
}

export type DecodedPatchRequest = DecodedMessage<PatchRequest>;

/** Reads a request from what the queue trigger receives (object, JSON text or raw Base64). */
export function decodePatchRequest(input: unknown): DecodedPatchRequest {
    return codec.decode(input);
}
