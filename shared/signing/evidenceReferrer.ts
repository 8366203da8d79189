/**
 * Evidence attached to a promoted digest as OCI 1.1 referrers (issue 12): Trivy's SARIF report and
 * CycloneDX SBOM of the same scan. Each is an artifact manifest in the image-spec's "artifact
 * without config" form (manifest.md, "Guidelines for Artifact Usage" 2): artifactType = the report's
 * media type, the empty config, one layer of the report, `subject` = the scanned digest, and
 * `org.opencontainers.image.created`, the time an admission verifier's maximum age is measured
 * from (Ratify's vulnerability report verifier reads that annotation).
 */
import { z } from 'zod';
import { checkDigest } from '../oci/reference';
import { describe as describeBytes, type OciDescriptor } from './descriptor';
import { CYCLONEDX_ARTIFACT_TYPE, OCI_CREATED_ANNOTATION, OCI_IMAGE_MANIFEST, SARIF_ARTIFACT_TYPE } from './mediaTypes';
import { EMPTY_CONFIG, type OciManifest } from './signatureManifest';

export type EvidenceType = typeof SARIF_ARTIFACT_TYPE | typeof CYCLONEDX_ARTIFACT_TYPE;

export interface EvidenceInput {
    subject: Pick<OciDescriptor, 'mediaType' | 'digest' | 'size'>;
    artifactType: EvidenceType;
    /** The report exactly as the scan produced it (its digest is what the layer names). */
    content: Uint8Array;
    created: Date;
    /** Extra annotations, e.g. the Trivy DB version the report was made with. */
    annotations?: Record<string, string>;
}

export interface EvidenceReferrer {
    manifest: OciManifest;
    manifestBytes: Uint8Array;
    manifestDescriptor: OciDescriptor;
    /** Blobs to push before the manifest: the empty config and the report. */
    blobs: Array<{ descriptor: OciDescriptor; bytes: Uint8Array }>;
}

export function buildEvidenceReferrer(input: EvidenceInput): EvidenceReferrer {
    const digestCheck = checkDigest(input.subject.digest);
    if (!digestCheck.ok) throw new TypeError(`cannot attach evidence: ${digestCheck.reason}`);
    const problem = checkEvidenceContent(input.artifactType, input.content);
    if (problem) throw new TypeError(`cannot attach evidence: ${problem}`);
    const layer = describeBytes(input.content, input.artifactType);
    const manifest: OciManifest = {
        schemaVersion: 2,
        mediaType: OCI_IMAGE_MANIFEST,
        artifactType: input.artifactType,
        config: EMPTY_CONFIG,
        layers: [layer],
        subject: { mediaType: input.subject.mediaType, digest: input.subject.digest, size: input.subject.size },
        annotations: { ...input.annotations, [OCI_CREATED_ANNOTATION]: input.created.toISOString().replace(/\.\d{3}Z$/, 'Z') },
    };
    const manifestBytes = Buffer.from(JSON.stringify(manifest), 'utf8');
    return {
        manifest,
        manifestBytes,
        manifestDescriptor: { ...describeBytes(manifestBytes, OCI_IMAGE_MANIFEST), artifactType: input.artifactType, annotations: manifest.annotations! },
        blobs: [{ descriptor: EMPTY_CONFIG, bytes: Buffer.from('{}') }, { descriptor: layer, bytes: input.content }],
    };
}

const sarifSchema = z.object({ version: z.literal('2.1.0'), runs: z.array(z.object({ tool: z.object({ driver: z.object({ name: z.string() }) }) })).min(1) });
const cycloneDxSchema = z.object({ bomFormat: z.literal('CycloneDX'), specVersion: z.string().regex(/^1\.\d+$/) });

/** A report is only attached when it is what its media type says (SARIF 2.1.0, a CycloneDX 1.x BOM). */
export function checkEvidenceContent(artifactType: EvidenceType, content: Uint8Array): string | null {
    let json: unknown;
    try {
        json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(content));
    } catch {
        return `the ${artifactType} content is not UTF-8 JSON`;
    }
    const result = (artifactType === SARIF_ARTIFACT_TYPE ? sarifSchema : cycloneDxSchema).safeParse(json);
    return result.success ? null : `the content is not ${artifactType === SARIF_ARTIFACT_TYPE ? 'a SARIF 2.1.0 log' : 'a CycloneDX 1.x BOM'}: ${result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'} ${issue.message}`).join('; ')}`;
}

/** The newest referrer of a type by its created annotation, or null: what a maximum-age check needs. */
export function newestEvidence(referrers: OciDescriptor[], artifactType: EvidenceType): { descriptor: OciDescriptor; created: Date } | null {
    let newest: { descriptor: OciDescriptor; created: Date } | null = null;
    for (const referrer of referrers) {
        if (referrer.artifactType !== artifactType) continue;
        const created = new Date(referrer.annotations?.[OCI_CREATED_ANNOTATION] ?? Number.NaN);
        if (Number.isNaN(created.getTime())) continue;
        if (!newest || created > newest.created) newest = { descriptor: referrer, created };
    }
    return newest;
}
