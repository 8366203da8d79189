import type { PatchingConfig, RepositoryFilter } from './config';
import { ALL_TAGS } from './config';
import { classifyTag, nextPatchTag, type TagConvention } from './tagConvention';
import { RepositoryNotFoundError, type TagSource } from './tagSource';
import { errorMessage } from '../errors/errorMessage';

/**
 * Plans a continuous-patching cycle (what ACR's `acr cssc patch --dry-run --show-patch-tags`
 * lists, plus the tag each patch will get): pure given the tags, with the registry behind a
 * TagSource. No 100-image cap: ACR enforces one in `az acr supply-chain workflow create/update`
 * (it parses `Matches found: N` from a dry run) and again in `cssc-trigger-workflow`
 * (`maxLimit: 100`); acr-guard's executor fans out through a queue instead.
 */

/** One original tag to scan and, if needed, patch. */
export interface PlannedPatch {
    readonly repository: string;
    /** The original tag: patches are always built from it. */
    readonly tag: string;
    /** The newest existing patch of `tag`, or null; the newest of the two is what gets scanned. */
    readonly latestPatchTag: string | null;
    /** The tag the next patch is pushed as; null when it cannot be made (see `errors`). */
    readonly nextPatchTag: string | null;
}

/** A configured (repository, tag) that does not exist (for a missing repository, every configured tag). */
export interface NotFound {
    readonly repository: string;
    readonly tag: string;
}

/** Something that stops one tag (or a whole repository, `tag` null) from being planned. */
export interface PlanError {
    readonly repository: string;
    readonly tag: string | null;
    readonly message: string;
}

export interface PatchPlan {
    readonly matches: PlannedPatch[];
    readonly notFound: NotFound[];
    readonly errors: PlanError[];
}

/** The plan for one enabled `repositories[]` entry. */
export interface RepositoryPlan extends PatchPlan {
    readonly repository: string;
}

/** The tag the scan runs on: the newest patch if there is one, else the original. */
export function tagToScan(match: PlannedPatch): string {
    return match.latestPatchTag ?? match.tag;
}

interface TagGroup {
    /** The original tag itself exists in the repository. */
    exists: boolean;
    latest: string | null;
    latestNumber: number;
}

/** Groups a repository's tags by original tag, keeping the newest patch of each. */
function groupTags(tags: Iterable<string>, convention: TagConvention): Map<string, TagGroup> {
    const groups = new Map<string, TagGroup>();
    const groupOf = (original: string) => {
        let group = groups.get(original);
        if (!group) {
            group = { exists: false, latest: null, latestNumber: -1 };
            groups.set(original, group);
        }
        return group;
    };
    for (const tag of tags) {
        const kind = classifyTag(tag, convention);
        if (kind.kind === 'original') {
            groupOf(tag).exists = true;
        } else if (kind.kind === 'patch') {
            const group = groupOf(kind.original);
            if (kind.number > group.latestNumber) {
                group.latest = tag;
                group.latestNumber = kind.number;
            }
        }
        // A patch tag of the other convention is neither scanned nor patched (as in acr-cli).
    }
    return groups;
}

function plannedPatch(repository: string, tag: string, group: TagGroup, convention: TagConvention, errors: PlanError[]): PlannedPatch {
    const next = nextPatchTag(tag, group.latest, convention);
    if (!next.ok) errors.push({ repository, tag, message: next.error });
    return { repository, tag, latestPatchTag: group.latest, nextPatchTag: next.ok ? next.tag : null };
}

/** Plans one repository entry from its tags (already listed). Pure. */
export function planRepositoryTags(filter: RepositoryFilter, tags: Iterable<string>, convention: TagConvention): RepositoryPlan {
    const { repository } = filter;
    const groups = groupTags(tags, convention);
    const matches: PlannedPatch[] = [];
    const notFound: NotFound[] = [];
    const errors: PlanError[] = [];
    if (filter.allTags) {
        for (const original of [...groups.keys()].sort()) {
            const group = groups.get(original)!;
            if (!group.exists) {
                // acr-cli lists `foo,foo-1` here and the patch task then fails on the missing `foo`.
                errors.push({
                    repository,
                    tag: original,
                    message: `patch tag ${group.latest} has no original tag ${original} in the repository; patches are built from the original, so it cannot be patched`,
                });
                continue;
            }
            matches.push(plannedPatch(repository, original, group, convention, errors));
        }
    } else {
        for (const tag of filter.tags) {
            const group = groups.get(tag);
            if (!group?.exists) notFound.push({ repository, tag });
            else matches.push(plannedPatch(repository, tag, group, convention, errors));
        }
    }
    return { repository, matches, notFound, errors };
}

/**
 * Plans every enabled repository entry in config order, one at a time, listing its tags through
 * `source`: the executor can enqueue each repository's work as soon as it is planned.
 * A missing repository makes its configured tags "not found" (as in ACR); any other listing
 * failure is recorded as an error for that repository and planning goes on.
 */
export async function* planRepositories(config: PatchingConfig, source: TagSource): AsyncGenerator<RepositoryPlan> {
    for (const filter of config.repositories) {
        if (!filter.enabled) continue;
        const tags: string[] = [];
        try {
            for await (const tag of source.listTags(filter.repository)) tags.push(tag);
        } catch (err) {
            if (err instanceof RepositoryNotFoundError) {
                const configured = filter.allTags ? [ALL_TAGS] : filter.tags;
                yield { repository: filter.repository, matches: [], errors: [], notFound: configured.map((tag) => ({ repository: filter.repository, tag })) };
            } else {
                const message = `listing the tags failed: ${errorMessage(err)}`;
                yield { repository: filter.repository, matches: [], notFound: [], errors: [{ repository: filter.repository, tag: null, message }] };
            }
            continue;
        }
        yield planRepositoryTags(filter, tags, config.tagConvention);
    }
}

/**
 * The whole plan. A (repository, tag) configured twice (the same repository in two entries)
 * is planned once: ACR counts unique pairs in `Matches found`.
 */
export async function planPatchCycle(config: PatchingConfig, source: TagSource): Promise<PatchPlan> {
    const plan: PatchPlan = { matches: [], notFound: [], errors: [] };
    const seen = new Set<string>();
    const seenErrors = new Set<string>();
    const once = (repository: string, tag: string | null) => {
        const key = `${repository}\n${tag ?? ''}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
    };
    for await (const repo of planRepositories(config, source)) {
        for (const match of repo.matches) if (once(match.repository, match.tag)) plan.matches.push(match);
        for (const error of repo.errors) {
            const key = `${error.repository}\n${error.tag ?? ''}\n${error.message}`;
            if (seenErrors.has(key)) continue;
            seenErrors.add(key);
            plan.errors.push(error);
        }
        for (const missing of repo.notFound) if (once(missing.repository, missing.tag)) plan.notFound.push(missing);
    }
    return plan;
}
