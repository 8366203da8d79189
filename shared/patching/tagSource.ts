import { z } from 'zod';
import { checkRepository, checkTag } from '../oci/reference';
import { AcrGuardError } from '../errors/acrGuardError';
import { errorMessage } from '../errors/errorMessage';

/**
 * Where the planner gets the tags of a repository. The cycle executor backs it with the
 * registry's data plane (`GET /acr/v1/{repo}/_tags?n=100&last=...`, as acr-cli does); the
 * offline dry run with an inventory file. Tags are streamed, so a source can fetch page by page.
 */
export interface TagSource {
    /** Every tag of `repository`, any order. Throws RepositoryNotFoundError when it does not exist. */
    listTags(repository: string): AsyncIterable<string>;
}

/** The repository does not exist: ACR reports its configured tags as "do not exist", not an error. */
export class RepositoryNotFoundError extends AcrGuardError {
    constructor(readonly repository: string) {
        super(`repository ${repository} does not exist`, { code: 'repository-not-found', retryable: false });
    }
}

/** One page of tags, as the registry returns it; `last` of the next request is the last tag here. */
export interface TagPage {
    readonly tags: readonly string[];
    /** True when the registry announced another page (a `Link: <...>; rel="next"` header). */
    readonly more: boolean;
}

/** Fetches one page: `last` is the last tag of the previous page (undefined for the first). */
export type TagPageFetcher = (repository: string, page: { last: string | undefined; n: number }) => Promise<TagPage>;

/** ACR's page size for tag listing (acr-cli uses `n=100`). */
export const TAG_PAGE_SIZE = 100;

/** A TagSource that walks a paged listing, one request per page, never per tag. */
export function pagedTagSource(fetchPage: TagPageFetcher, pageSize: number = TAG_PAGE_SIZE): TagSource {
    return {
        async *listTags(repository: string): AsyncIterable<string> {
            let last: string | undefined;
            for (;;) {
                const page = await fetchPage(repository, { last, n: pageSize });
                yield* page.tags;
                if (!page.more || page.tags.length === 0) return;
                last = page.tags[page.tags.length - 1];
            }
        },
    };
}

/** `{"repositories": {"REPO": ["TAG", ...]}}`: a registry's tags, for the offline dry run. */
export interface Inventory {
    readonly repositories: Readonly<Record<string, readonly string[]>>;
}

const inventoryShape = 'expected {"repositories": {"REPO": ["TAG", ...]}}';
const inventorySchema = z.object(
    {
        repositories: z.record(z.string(), z.array(z.string({ error: 'expected a tag string' }), { error: 'expected an array of tags' }), {
            error: inventoryShape,
        }),
    },
    { error: inventoryShape },
);

export type InventoryResult = { ok: true; inventory: Inventory } | { ok: false; errors: string[] };

/** Validates an inventory: its shape, and every repository name and tag against the OCI grammar. */
export function validateInventory(value: unknown): InventoryResult {
    const parsed = inventorySchema.safeParse(value);
    if (!parsed.success) {
        return {
            ok: false,
            errors: parsed.error.issues.map((i) => `${i.path.map(String).join('.') || 'inventory'}: ${i.message}`),
        };
    }
    const errors: string[] = [];
    for (const [repository, tags] of Object.entries(parsed.data.repositories)) {
        const name = checkRepository(repository);
        if (!name.ok) errors.push(`repositories: ${name.reason}`);
        for (const tag of tags) {
            const check = checkTag(tag);
            if (!check.ok) errors.push(`repositories.${repository}: ${check.reason}`);
        }
    }
    return errors.length > 0 ? { ok: false, errors } : { ok: true, inventory: parsed.data };
}

/** Parses and validates the text of an inventory file. */
export function parseInventory(text: string): InventoryResult {
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch (err) {
        return { ok: false, errors: [`inventory is not JSON: ${errorMessage(err)}`] };
    }
    return validateInventory(value);
}

/** A TagSource over an inventory: a repository missing from it does not exist. */
export function inventoryTagSource(inventory: Inventory): TagSource {
    const repositories = new Map(Object.entries(inventory.repositories));
    return {
        async *listTags(repository: string): AsyncIterable<string> {
            const tags = repositories.get(repository);
            if (tags === undefined) throw new RepositoryNotFoundError(repository);
            yield* tags;
        },
    };
}
