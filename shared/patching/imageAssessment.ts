import type { ManifestInfo } from '../registry/registry';
import { isFixable, type Finding } from '../trivy/finding';

/**
 * The per-image decisions of a patch cycle, pure. ACR Continuous Patching has no platform check
 * (a Windows image just scans empty and reads as "no vulnerability found"); acr-guard decides
 * from the manifest and its config, which say what the image is, before any scan.
 */

export type SkipReason =
    | 'windows'
    | 'multi-arch'
    | 'unsupported-platform'
    | 'eosl'
    | 'no-fixable-os-vulnerabilities'
    | 'already-up-to-date'
    | 'not-released';

export type PlatformDecision = { ok: true; architecture: 'amd64' | 'arm64' } | { ok: false; reason: SkipReason; detail: string };

/** Whether copa in a Linux ACR Task can patch this image, from its manifest (config or index). */
export function patchablePlatform(manifest: Pick<ManifestInfo, 'platforms' | 'isIndex'>): PlatformDecision {
    const platforms = manifest.platforms;
    const describe = platforms.map((p) => `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`).join(', ') || 'none';
    if (platforms.some((p) => p.os.toLowerCase() === 'windows')) {
        return { ok: false, reason: 'windows', detail: `Windows images are not patched (platforms: ${describe})` };
    }
    if (platforms.length !== 1) {
        // A single-arch patch pushed under the tag of a multi-arch image would drop every other platform.
        return { ok: false, reason: 'multi-arch', detail: `multi-platform images are not patched (platforms: ${describe})` };
    }
    const [platform] = platforms;
    if (platform!.os.toLowerCase() !== 'linux' || (platform!.architecture !== 'amd64' && platform!.architecture !== 'arm64')) {
        return { ok: false, reason: 'unsupported-platform', detail: `platform ${describe} is not patched (linux/amd64 and linux/arm64 are)` };
    }
    return { ok: true, architecture: platform!.architecture };
}

/** Fixable OS-package findings: what `trivy --pkg-types os --ignore-unfixed` reports and copa can fix. */
export function countFixableOs(findings: readonly Pick<Finding, 'resultClass' | 'fixedVersion'>[]): number {
    let n = 0;
    for (const f of findings) if (f.resultClass === 'os-pkgs' && isFixable(f)) n += 1;
    return n;
}

export interface VulnerabilityEvidence {
    readonly eosl: boolean;
    readonly fixableOs: number;
}

export type PatchDecision = { patch: true } | { patch: false; reason: SkipReason; detail: string };

/** ACR's decision after the scan (`cssc-scan-image`): EOSL first, then "any fixable OS vulnerability". */
export function decidePatch(evidence: VulnerabilityEvidence): PatchDecision {
    if (evidence.eosl) return { patch: false, reason: 'eosl', detail: 'the OS is end of service life: patching is skipped, as in ACR' };
    if (evidence.fixableOs === 0) return { patch: false, reason: 'no-fixable-os-vulnerabilities', detail: 'no fixable OS vulnerability found' };
    return { patch: true };
}
