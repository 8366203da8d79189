import type { PatchingConfig } from './config';
import type { NotFound, PatchPlan, PlanError, PlannedPatch } from './plan';

/**
 * A plan rendered the way ACR's dry run prints it (acr-cli `cmd/acr/cssc.go` and
 * `internal/cssc/cssc.go`, `acr cssc patch --dry-run --show-patch-tags --filter-policy-file`),
 * line for line, so scripts that parse ACR's output (`sed -n "/^Listing/,/^Matches/..."`,
 * `grep "Configured Tag Convention:"`) work unchanged. acr-guard's additions come only after
 * `Matches found: N`, and only when there are errors.
 */

export const DRY_RUN_HEADER = [
    'DRY RUN mode enabled...',
    'DRY RUN mode will only list all the repositories and tags that match the filter and are eligible for continuous scan and patch. During the actual patch operation, each of the eligible images will first be scanned using trivy and if there are any vulnerabilities found, a new patched image will be generated with tag <originaltag>-patched or <originaltag>-x based on the configured tag-convention.',
] as const;

export interface DryRunOptions {
    /** Where the filter came from: a local file (the offline dry run) or the stored policy. */
    readonly source?: 'file' | 'policy';
}

/** The dry run's output lines (without trailing newlines). */
export function formatDryRun(config: Pick<PatchingConfig, 'configuredTagConvention'>, plan: PatchPlan, options: DryRunOptions = {}): string[] {
    const lines: string[] = [...DRY_RUN_HEADER];
    lines.push(options.source === 'policy' ? 'Reading filter from filter policy...' : 'Reading filter from filter file path...');
    lines.push('Validating filter...');
    // Go's fmt.Println("Configured Tag Convention: ", value) puts a second space before the value.
    lines.push(`Configured Tag Convention:  ${config.configuredTagConvention}`);
    if (plan.notFound.length > 0) {
        lines.push('Artifacts specified in the filter that do not exist:', 'Repo,Tag');
        for (const item of plan.notFound) lines.push(`${item.repository},${item.tag}`);
        lines.push(`Not found: ${plan.notFound.length}`);
    }
    if (plan.matches.length === 0) {
        lines.push('No matching repository and tag found!');
    } else {
        lines.push('Listing repositories and tags matching the filter with corresponding latest patch tag (if present):');
        lines.push('Repo,Tag,LatestPatchTag');
        for (const match of plan.matches) lines.push(`${match.repository},${match.tag},${match.latestPatchTag ?? 'N/A'}`);
    }
    lines.push(`Matches found: ${plan.matches.length}`);
    if (plan.errors.length > 0) {
        lines.push('Errors:', 'Repo,Tag,Error');
        for (const error of plan.errors) lines.push(`${error.repository},${error.tag ?? ''},${error.message}`);
        lines.push(`Errors found: ${plan.errors.length}`);
    }
    return lines;
}

/** The plan as JSON: `{"matches": [...], "notFound": [...], "errors": [...]}`, fields in a fixed order. */
export interface PatchPlanJson {
    matches: { repository: string; tag: string; latestPatchTag: string | null; nextPatchTag: string | null }[];
    notFound: { repository: string; tag: string }[];
    errors: { repository: string; tag: string | null; message: string }[];
}

export function toPlanJson(plan: PatchPlan): PatchPlanJson {
    return {
        matches: plan.matches.map((m: PlannedPatch) => ({
            repository: m.repository,
            tag: m.tag,
            latestPatchTag: m.latestPatchTag,
            nextPatchTag: m.nextPatchTag,
        })),
        notFound: plan.notFound.map((n: NotFound) => ({ repository: n.repository, tag: n.tag })),
        errors: plan.errors.map((e: PlanError) => ({ repository: e.repository, tag: e.tag, message: e.message })),
    };
}
