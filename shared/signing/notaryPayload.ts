/**
 * The Notary Project signature payload (signature-specification.md "Payload"):
 * `{ "targetArtifact": <OCI descriptor> }` with media type application/vnd.cncf.notary.payload.v1+json.
 * Only read after the signature over it has been verified.
 */
import { z } from 'zod';
import { descriptorSchema, type OciDescriptor } from './descriptor';

const payloadSchema = z.object({ targetArtifact: descriptorSchema }).strict();

export type PayloadParse = { ok: true; targetArtifact: OciDescriptor } | { ok: false; reason: string };

/** Our signer writes exactly the subject's mediaType, digest and size (and its artifactType when known). */
export function buildNotaryPayload(subject: OciDescriptor): Uint8Array {
    const targetArtifact: OciDescriptor = {
        mediaType: subject.mediaType,
        digest: subject.digest,
        size: subject.size,
        ...(subject.artifactType ? { artifactType: subject.artifactType } : {}),
        ...(subject.annotations ? { annotations: subject.annotations } : {}),
    };
    return Buffer.from(JSON.stringify({ targetArtifact }), 'utf8');
}

export function parseNotaryPayload(bytes: Uint8Array): PayloadParse {
    let json: unknown;
    try {
        json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch {
        return { ok: false, reason: 'the signed payload is not UTF-8 JSON' };
    }
    const parsed = payloadSchema.safeParse(json);
    if (!parsed.success) return { ok: false, reason: `the signed payload is not {targetArtifact: descriptor}: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'} ${issue.message}`).join('; ')}` };
    return { ok: true, targetArtifact: parsed.data.targetArtifact as OciDescriptor };
}
