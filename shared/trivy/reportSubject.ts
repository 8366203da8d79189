import type { TrivyReport } from './report';

/**
 * Why a report is not about the image it was asked for, or null when it is. Trivy names what it
 * scanned (`ArtifactName`: the reference as given, `registry/repo@sha256:…` for our by-digest
 * scans; `Metadata.RepoDigests`: the registry's digests of it). The run log transport is already
 * bound to the run by its nonce and hash; this closes the last gap, so a report of another image
 * (a mixed-up or tampered run) can never pass this digest.
 */
export function reportSubjectMismatch(report: Pick<TrivyReport, 'artifactName' | 'repoDigests'>, digest: string): string | null {
    const names = [report.artifactName, ...report.repoDigests].filter((n): n is string => typeof n === 'string' && n !== '');
    if (names.some((name) => name.endsWith(`@${digest}`))) return null;
    const shown = names.length === 0 ? 'no image at all' : names.slice(0, 3).map((n) => JSON.stringify(n.slice(0, 200))).join(', ');
    return `the report names ${shown}, not ${digest}`;
}
