import type { ArtifactClassification } from '../oci/artifactKind';
import type { Verdict } from './verdict';

/**
 * What the gate does with each kind of pushed manifest (docs/artifacts.md is the reference):
 * - `scan`: an image is scanned by digest and judged by the gate policy;
 * - `scan-children`: an index passes only when every image child passes (see indexVerdict.ts);
 * - `follow-subject`: a referrer (signature, SBOM, attestation, other artifact with a `subject`) is not
 *   scanned; it is promoted together with its subject once the subject is promoted, and otherwise
 *   stays in quarantine with it;
 * - `hold`: never promoted automatically; recorded with a `fail` verdict naming the reason.
 * Nothing that is not judged ever reaches live/: a kind without a rule of its own is held.
 */
export type ArtifactRule =
    | { readonly action: 'scan' }
    | { readonly action: 'scan-children' }
    | { readonly action: 'follow-subject'; readonly subjectDigest: string }
    | { readonly action: 'hold'; readonly verdict: Verdict };

const hold = (code: string, message: string): ArtifactRule => ({ action: 'hold', verdict: { outcome: 'fail', reasons: [{ code, message }] } });

export function artifactRule(artifact: ArtifactClassification): ArtifactRule {
    switch (artifact.kind) {
        case 'image':
            // A runnable image is scanned even when it names a subject: it could be pulled and run.
            return { action: 'scan' };
        case 'index':
            return { action: 'scan-children' };
        case 'helm-chart':
            return hold(
                'helm-chart-held',
                'a Helm chart is held in quarantine: Trivy\'s vulnerability scan does not apply to a chart, and the images it deploys are judged when they are pushed',
            );
        case 'signature':
        case 'sbom':
        case 'attestation':
        case 'artifact':
            if (artifact.subject !== null) return { action: 'follow-subject', subjectDigest: artifact.subject.digest };
            return hold('unjudged-artifact', `${artifact.kind === 'artifact' ? 'an OCI artifact' : `a ${artifact.kind}`} without a subject (${artifact.why}) has nothing to be judged with: it stays in quarantine`);
    }
}
