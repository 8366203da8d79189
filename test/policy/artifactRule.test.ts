import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyManifest } from '../../shared/oci/artifactKind';
import { parseManifest } from '../../shared/oci/manifest';
import { artifactRule } from '../../shared/policy/artifactRule';

const SHARED = path.resolve(__dirname, '../../../shared/fixtures');
const OWN = path.resolve(__dirname, '../fixtures/oci');
const ruleOf = (file: string) => artifactRule(classifyManifest(parseManifest(readFileSync(file))));

// docs/artifacts.md, one row per kind.
describe('artifactRule: an explicit rule for every kind', () => {
    it('an image is scanned, a runnable image that names a subject too', () => {
        expect(ruleOf(path.join(SHARED, 'oci-referrers/image-spec/manifest-with-subject.example.json'))).toEqual({ action: 'scan' });
        expect(ruleOf(path.join(OWN, 'disguised-image-referrer.json'))).toEqual({ action: 'scan' });
    });

    it('an index is judged through its children', () => {
        expect(ruleOf(path.join(OWN, 'buildx-index.json'))).toEqual({ action: 'scan-children' });
        expect(ruleOf(path.join(OWN, 'docker-manifest-list.json'))).toEqual({ action: 'scan-children' });
    });

    it('a signature or SBOM with a subject follows its subject', () => {
        expect(ruleOf(path.join(SHARED, 'notation/specifications/signature-manifest.artifactType.json'))).toEqual({
            action: 'follow-subject',
            subjectDigest: 'sha256:73c803930ea3ba1e54bc25c2bdc53edd0284c62ed651fe7b00369da519a3c333',
        });
        expect(ruleOf(path.join(OWN, 'sbom-referrer-manifest.json'))).toEqual({ action: 'follow-subject', subjectDigest: 'sha256:5861314d7fccb39c2192173240eab44fa35ca66426201ca2acd0630a6258dd51' });
    });

    it.each([
        ['helm-chart-manifest.json', 'helm-chart-held'],
        ['cosign-signature-manifest.json', 'unjudged-artifact'],
        ['buildx-attestation-manifest.json', 'unjudged-artifact'],
    ])('%s without a subject is held in quarantine with a fail verdict (%s)', (file, code) => {
        const rule = ruleOf(path.join(OWN, file));
        expect(rule.action).toBe('hold');
        expect(rule.action === 'hold' && rule.verdict).toMatchObject({ outcome: 'fail', reasons: [{ code }] });
    });

    it('an OCI artifact without a subject (image-spec minimal artifact) is held', () => {
        const rule = ruleOf(path.join(SHARED, 'oci-referrers/image-spec/artifact-minimal.example.json'));
        expect(rule.action === 'hold' && rule.verdict.reasons[0]!.message).toContain('an OCI artifact without a subject (artifact of type application/vnd.example+type)');
    });
});
