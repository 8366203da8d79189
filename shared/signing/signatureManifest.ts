/**
 * The signature manifest: the OCI image manifest that stores a Notary Project signature as a
 * referrer of what it signs (signature-specification.md "Storage"; the sample in that section with
 * `artifactType` and the empty config is what notation writes to OCI 1.1 registries such as ACR).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { descriptorSchema, describe, type OciDescriptor } from './descriptor';
import {
    COSE_ENVELOPE, JWS_ENVELOPE, NOTARY_SIGNATURE_ARTIFACT_TYPE, NOTARY_THUMBPRINT_ANNOTATION,
    OCI_CREATED_ANNOTATION, OCI_EMPTY, OCI_EMPTY_DIGEST, OCI_IMAGE_MANIFEST,
} from './mediaTypes';

export interface OciManifest {
    schemaVersion: 2;
    mediaType: typeof OCI_IMAGE_MANIFEST;
    artifactType?: string;
    config: OciDescriptor;
    layers: OciDescriptor[];
    subject?: OciDescriptor;
    annotations?: Record<string, string>;
}

/**
 * OCI image-spec manifest.md "Guidance for an Empty Descriptor", written as the signature
 * specification's sample writes it (without the optional embedded `data`), so the `{}` blob is pushed.
 */
export const EMPTY_CONFIG: OciDescriptor = { mediaType: OCI_EMPTY, digest: OCI_EMPTY_DIGEST, size: 2 };

/** The `io.cncf.notary.x509chain.thumbprint#S256` value: a JSON array string of the chain's SHA-256 fingerprints, leaf first. */
export function chainThumbprints(chain: Uint8Array[]): string {
    return JSON.stringify(chain.map((der) => createHash('sha256').update(der).digest('hex')));
}

export interface SignatureManifestInput {
    subject: Pick<OciDescriptor, 'mediaType' | 'digest' | 'size'>;
    envelope: Uint8Array;
    envelopeMediaType: typeof JWS_ENVELOPE | typeof COSE_ENVELOPE;
    certificateChain: Uint8Array[];
    created: Date;
}

/** The manifest bytes and its descriptor (push it by this digest, never by tag). */
export function buildSignatureManifest(input: SignatureManifestInput): { manifest: OciManifest; bytes: Uint8Array; descriptor: OciDescriptor } {
    const manifest: OciManifest = {
        schemaVersion: 2,
        mediaType: OCI_IMAGE_MANIFEST,
        artifactType: NOTARY_SIGNATURE_ARTIFACT_TYPE,
        config: EMPTY_CONFIG,
        layers: [describe(input.envelope, input.envelopeMediaType)],
        subject: { mediaType: input.subject.mediaType, digest: input.subject.digest, size: input.subject.size },
        annotations: {
            [NOTARY_THUMBPRINT_ANNOTATION]: chainThumbprints(input.certificateChain),
            [OCI_CREATED_ANNOTATION]: input.created.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        },
    };
    const bytes = Buffer.from(JSON.stringify(manifest), 'utf8');
    return { manifest, bytes, descriptor: { ...describe(bytes, OCI_IMAGE_MANIFEST), artifactType: NOTARY_SIGNATURE_ARTIFACT_TYPE, annotations: manifest.annotations! } };
}

export const manifestSchema = z.object({
    schemaVersion: z.literal(2),
    mediaType: z.literal(OCI_IMAGE_MANIFEST),
    artifactType: z.string().optional(),
    config: descriptorSchema,
    layers: z.array(descriptorSchema),
    subject: descriptorSchema.optional(),
    annotations: z.record(z.string(), z.string()).optional(),
});

export type SignatureManifestParse =
    | { ok: true; manifest: OciManifest; envelope: OciDescriptor; subject: OciDescriptor }
    | { ok: false; reason: string };

/**
 * A Notary Project signature manifest: artifactType (or, legacy OCI 1.0 form, config.mediaType)
 * `application/vnd.cncf.notary.signature`, exactly one JWS or COSE layer, and a subject.
 */
export function parseSignatureManifest(bytes: Uint8Array): SignatureManifestParse {
    let json: unknown;
    try {
        json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch {
        return { ok: false, reason: 'the signature manifest is not UTF-8 JSON' };
    }
    const parsed = manifestSchema.safeParse(json);
    if (!parsed.success) return { ok: false, reason: `the signature manifest is not an OCI image manifest: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'} ${issue.message}`).join('; ')}` };
    const manifest = parsed.data as OciManifest;
    const type = manifest.artifactType ?? manifest.config.mediaType;
    if (type !== NOTARY_SIGNATURE_ARTIFACT_TYPE) return { ok: false, reason: `the manifest's artifact type ${type} is not ${NOTARY_SIGNATURE_ARTIFACT_TYPE}` };
    if (manifest.layers.length !== 1) return { ok: false, reason: `a signature manifest has exactly one layer, this one has ${manifest.layers.length}` };
    const envelope = manifest.layers[0]!;
    if (envelope.mediaType !== JWS_ENVELOPE && envelope.mediaType !== COSE_ENVELOPE) {
        // trust-store-trust-policy.md "Validate Integrity" step 1: the envelope is parsed by this media type.
        return { ok: false, reason: `integrity validation failed: the signature envelope media type ${envelope.mediaType} is not ${JWS_ENVELOPE} or ${COSE_ENVELOPE}` };
    }
    if (!manifest.subject) return { ok: false, reason: 'the signature manifest has no subject' };
    return { ok: true, manifest, envelope, subject: manifest.subject };
}
