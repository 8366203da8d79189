/**
 * The body of an OCI 1.1 referrers response (distribution-spec "Listing Referrers"): an image index
 * whose `manifests` are the referrers' descriptors, each with its artifactType and annotations.
 * For ReferrerRegistry adapters: parse within the byte limit, validate every descriptor, and keep
 * only referrers whose artifactType was asked for (a registry may ignore the filter and say so only
 * in the `OCI-Filters-Applied` header).
 */
import { z } from 'zod';
import { descriptorSchema, type OciDescriptor } from './descriptor';
import { MAX_REFERRERS_RESPONSE_BYTES } from './limits';
import { OCI_IMAGE_INDEX } from './mediaTypes';

const indexSchema = z.object({
    schemaVersion: z.literal(2),
    mediaType: z.literal(OCI_IMAGE_INDEX),
    manifests: z.array(descriptorSchema),
});

export type ReferrersParse = { ok: true; referrers: OciDescriptor[] } | { ok: false; reason: string };

export function parseReferrersResponse(bytes: Uint8Array, artifactType?: string): ReferrersParse {
    if (bytes.byteLength > MAX_REFERRERS_RESPONSE_BYTES) return { ok: false, reason: `the referrers response is ${bytes.byteLength} bytes, more than the limit of ${MAX_REFERRERS_RESPONSE_BYTES}` };
    let json: unknown;
    try {
        json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch (error) {
        return { ok: false, reason: `the referrers response is not JSON: ${(error as Error).message}` };
    }
    const parsed = indexSchema.safeParse(json);
    if (!parsed.success) return { ok: false, reason: `the referrers response is not an OCI image index: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'} ${issue.message}`).join('; ')}` };
    const referrers = parsed.data.manifests as OciDescriptor[];
    return { ok: true, referrers: artifactType ? referrers.filter((referrer) => referrer.artifactType === artifactType) : referrers };
}
