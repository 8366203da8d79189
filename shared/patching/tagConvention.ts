/**
 * ACR Continuous Patching tag conventions (acr-cli `internal/cssc/cssc.go`, the
 * `cssc-trigger-workflow` / `cssc-patch-image` task YAMLs, and the key-concept docs):
 * - incremental (the default): patches of `X` are `X-1`, `X-2`, ... `X-999`; after that the tag
 *   cannot be patched any more ("New Patch tag is greater than 999 ...").
 * - floating: the one patch of `X` is `X-patched`, overwritten by every new patch.
 * A dash followed by more than three digits (`jammy-20240530`) belongs to an original tag.
 *
 * Every tag is handled as a literal string: the only regular expressions here are fixed ones
 * applied to a tag, never built from one (acr-cli interpolates tags into a regex unescaped, so
 * `1.0` also matches `1x0-1`, and a tag with `+` misses its own patches).
 */

export type TagConvention = 'incremental' | 'floating';

export const TAG_CONVENTIONS: readonly TagConvention[] = ['incremental', 'floating'];

/** The highest incremental patch number ACR creates for one original tag. */
export const MAX_PATCH_NUMBER = 999;

/** OCI's limit on a tag's length: a patch tag must fit in it too. */
export const MAX_TAG_LENGTH = 128;

export const FLOATING_SUFFIX = '-patched';

/** acr-cli's patch-number suffix: `-1` to `-999`, no leading zero. */
const patchNumber = /^[1-9][0-9]{0,2}$/;

/**
 * What the az CLI extension refuses as a configured tag (`.*-patched$` or `.*-[0-9]{1,3}$`).
 * It is stricter than acr-cli (which lets `-0` and `-01` through); acr-guard rejects the union,
 * so a config it accepts is accepted by both halves of ACR.
 */
const reservedConfigTag = /(?:-patched|-[0-9]{1,3})$/;

/** True for a tag a user may not list in `continuouspatching.json` (reserved for patches). */
export function isReservedConfigTag(tag: string): boolean {
    return reservedConfigTag.test(tag);
}

/** The number N of an incremental patch tag `X-N` (1..999), or null when the tag is not one. */
function incrementalNumber(tag: string): { original: string; number: number } | null {
    const dash = tag.lastIndexOf('-');
    if (dash <= 0) return null; // `-1` alone has no original (and is not a valid OCI tag anyway)
    const suffix = tag.slice(dash + 1);
    if (!patchNumber.test(suffix)) return null;
    return { original: tag.slice(0, dash), number: Number(suffix) };
}

function floatingOriginal(tag: string): string | null {
    return tag.length > FLOATING_SUFFIX.length && tag.endsWith(FLOATING_SUFFIX)
        ? tag.slice(0, -FLOATING_SUFFIX.length)
        : null;
}

/** What a tag found in a repository is, under the configured convention. */
export type TagKind =
    | { kind: 'original'; original: string }
    /** A patch of `original` under the active convention; `number` is 0 for floating. */
    | { kind: 'patch'; original: string; number: number }
    /** A patch tag of the *other* convention: ACR neither patches nor scans it. */
    | { kind: 'other-convention'; original: string };

/** Classifies one tag the way acr-cli groups tags under `"*"`. */
export function classifyTag(tag: string, convention: TagConvention): TagKind {
    const incremental = incrementalNumber(tag);
    const floating = floatingOriginal(tag);
    if (convention === 'incremental') {
        if (incremental) return { kind: 'patch', original: incremental.original, number: incremental.number };
        if (floating !== null) return { kind: 'other-convention', original: floating };
    } else {
        if (floating !== null) return { kind: 'patch', original: floating, number: 0 };
        if (incremental) return { kind: 'other-convention', original: incremental.original };
    }
    return { kind: 'original', original: tag };
}

/**
 * Whether `tag` is a patch of `original` under the convention, compared literally:
 * `X-1`..`X-999` (incremental) or `X-patched` (floating).
 */
export function isPatchOf(tag: string, original: string, convention: TagConvention): boolean {
    if (tag.length <= original.length + 1 || !tag.startsWith(original) || tag[original.length] !== '-') return false;
    const suffix = tag.slice(original.length + 1);
    return convention === 'incremental' ? patchNumber.test(suffix) : suffix === 'patched';
}

/** The patch number of a patch tag of `original` (0 for floating), assuming isPatchOf holds. */
function patchNumberOf(tag: string, original: string, convention: TagConvention): number {
    return convention === 'incremental' ? Number(tag.slice(original.length + 1)) : 0;
}

/**
 * The newest patch of `original` among `patchTags` (all patches of it under the convention):
 * the highest number for incremental (numeric, so `X-10` beats `X-9`), `X-patched` for floating.
 * Null when there is none.
 */
export function latestPatchTag(original: string, patchTags: Iterable<string>, convention: TagConvention): string | null {
    let best: string | null = null;
    let bestNumber = -1;
    for (const tag of patchTags) {
        if (!isPatchOf(tag, original, convention)) continue;
        const n = patchNumberOf(tag, original, convention);
        if (n > bestNumber) {
            best = tag;
            bestNumber = n;
        }
    }
    return best;
}

export type NextPatchTag = { ok: true; tag: string } | { ok: false; error: string };

/** ACR's message when the incremental counter is exhausted (`cssc-patch-image`). */
export const PATCH_LIMIT_MESSAGE =
    'New Patch tag is greater than 999. No more than 1000 patches can be created for a tag. Exiting the patching workflow.';

/**
 * The tag the next patch of `original` is pushed as. Patches are always built from the
 * original; `latest` (the newest existing patch, or null) only decides the number.
 */
export function nextPatchTag(original: string, latest: string | null, convention: TagConvention): NextPatchTag {
    let next: string;
    if (convention === 'floating') {
        next = `${original}${FLOATING_SUFFIX}`;
    } else {
        const current = latest === null ? 0 : isPatchOf(latest, original, 'incremental') ? Number(latest.slice(original.length + 1)) : NaN;
        if (Number.isNaN(current)) return { ok: false, error: `tag ${latest} is not an incremental patch of ${original}` };
        if (current + 1 > MAX_PATCH_NUMBER) return { ok: false, error: PATCH_LIMIT_MESSAGE };
        next = `${original}-${current + 1}`;
    }
    if (next.length > MAX_TAG_LENGTH) {
        return { ok: false, error: `patch tag ${next} would be longer than the ${MAX_TAG_LENGTH} characters OCI allows for a tag` };
    }
    return { ok: true, tag: next };
}
