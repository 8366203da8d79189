import { z } from 'zod';
import { checkRepository, checkTag } from '../oci/reference';
import { isReservedConfigTag, type TagConvention } from './tagConvention';
import { errorMessage } from '../errors/errorMessage';

/**
 * `continuouspatching.json`, as ACR Continuous Patching reads it: the az CLI extension's JSON
 * schema (`CONTINUOUSPATCH_CONFIG_SCHEMA_V1`) plus its semantic checks, and acr-cli's
 * `Filter.ValidateFilter`. acr-guard rejects the union of what either half rejects, keeping
 * ACR's wording, so a config that passes here also passes `az acr supply-chain workflow`.
 *
 * The file has no acr-guard extensions: the schedule is a separate setting (see schedule.ts),
 * as in ACR (`--schedule`). Unknown keys are ignored, like ACR (no `additionalProperties: false`).
 */

/** The file itself, before parsing: the az CLI extension's limit. */
export const MAX_CONFIG_BYTES = 10 * 1024 * 1024;

export const ALL_TAGS = '*';

export const messages = {
    notJson: 'File used for --config cannot be parsed as a JSON file. Use --help to see the schema of the config file.',
    version: 'Version is required in the filter and should be v1',
    repositories: 'Repositories is required in the filter',
    tagConvention: 'tag-convention should be either incremental or floating',
    repository: 'Repository is required in the filter',
    tags: 'Tags is required in the filter',
    tag: 'Tag is required in the filter',
    enabled: 'enabled should be true or false',
    reserved: (repository: string, tag: string) =>
        `Configuration error: Repository '${repository}' with tag '${tag}' is not allowed. Tags ending with '*-patched' (floating tag) or '*-0' to '*-999' (incremental tag) are reserved for internal use.`,
    starWithOthers:
        "Configuration error: Tag '*' is not allowed with other tags in the same repository. Use '*' as the only tag in the repository to avoid overlaps.",
    duplicateTag: (repository: string, tag: string) =>
        `Repository '${repository}' lists tag '${tag}' more than once; tags must be unique.`,
    duplicateRepository: (index: number) =>
        `Repository entry is identical to repositories[${index}]; repositories must be unique.`,
    invalidTag: (repository: string, tag: string) =>
        `Repository '${repository}' with tag ${JSON.stringify(tag)} is not a valid OCI tag (letters, digits, '_', '.', '-'; at most 128 characters; not starting with '.' or '-'), nor '*'.`,
} as const;

const repositoryEntry = z.object({
    repository: z.string({ error: messages.repository }).min(1, { error: messages.repository }),
    tags: z
        .array(z.string({ error: messages.tag }).min(1, { error: messages.tag }), { error: messages.tags })
        .min(1, { error: messages.tags }),
    enabled: z.boolean({ error: messages.enabled }).optional(),
});

const configSchema = z
    .object({
        version: z.string({ error: messages.version }).regex(/^v1$/, { error: messages.version }),
        'tag-convention': z.enum(['incremental', 'floating'], { error: messages.tagConvention }).optional(),
        repositories: z.array(repositoryEntry, { error: messages.repositories }).min(1, { error: messages.repositories }),
    })
    .superRefine((config, ctx) => {
        config.repositories.forEach((entry, r) => {
            const at = (...rest: (string | number)[]) => ['repositories', r, ...rest];
            const name = checkRepository(entry.repository);
            if (!name.ok) ctx.addIssue({ code: 'custom', path: at('repository'), message: name.reason });
            if (entry.tags.includes(ALL_TAGS) && entry.tags.length > 1) {
                ctx.addIssue({ code: 'custom', path: at('tags'), message: messages.starWithOthers });
            }
            const seen = new Set<string>();
            entry.tags.forEach((tag, t) => {
                if (seen.has(tag)) {
                    ctx.addIssue({ code: 'custom', path: at('tags', t), message: messages.duplicateTag(entry.repository, tag) });
                    return;
                }
                seen.add(tag);
                if (tag === ALL_TAGS) return;
                if (isReservedConfigTag(tag)) {
                    ctx.addIssue({ code: 'custom', path: at('tags', t), message: messages.reserved(entry.repository, tag) });
                } else if (!checkTag(tag).ok) {
                    ctx.addIssue({ code: 'custom', path: at('tags', t), message: messages.invalidTag(entry.repository, tag) });
                }
            });
        });
    });

/** One `repositories[]` entry, normalised. */
export interface RepositoryFilter {
    readonly repository: string;
    /** The explicit tags (originals); empty when `allTags`. */
    readonly tags: readonly string[];
    /** `"tags": ["*"]`: every original tag of the repository. */
    readonly allTags: boolean;
    /** `enabled` defaults to true, as in ACR. */
    readonly enabled: boolean;
}

export interface PatchingConfig {
    readonly version: 'v1';
    /** The convention in force: `incremental` when the file does not say. */
    readonly tagConvention: TagConvention;
    /** `tag-convention` exactly as written ('' when absent): ACR's dry run prints this. */
    readonly configuredTagConvention: string;
    readonly repositories: readonly RepositoryFilter[];
}

export type ConfigResult = { ok: true; config: PatchingConfig } | { ok: false; errors: string[] };

/** Validates an already-parsed `continuouspatching.json` value; collects every problem. */
export function validatePatchingConfig(value: unknown): ConfigResult {
    const parsed = configSchema.safeParse(value);
    if (!parsed.success) {
        return { ok: false, errors: parsed.error.issues.map((issue) => `${formatPath(issue.path)}${issue.message}`) };
    }
    const rawEntries = (value as { repositories: unknown[] }).repositories;
    const errors = duplicateEntries(rawEntries);
    if (errors.length > 0) return { ok: false, errors };
    const data = parsed.data;
    return {
        ok: true,
        config: {
            version: 'v1',
            tagConvention: data['tag-convention'] ?? 'incremental',
            configuredTagConvention: data['tag-convention'] ?? '',
            repositories: data.repositories.map((entry) => {
                const allTags = entry.tags.length === 1 && entry.tags[0] === ALL_TAGS;
                return { repository: entry.repository, tags: allTags ? [] : entry.tags, allTags, enabled: entry.enabled ?? true };
            }),
        },
    };
}

/** Parses and validates the text of a `continuouspatching.json` file. */
export function parsePatchingConfig(text: string): ConfigResult {
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch (err) {
        return { ok: false, errors: [`${messages.notJson} (${errorMessage(err)})`] };
    }
    return validatePatchingConfig(value);
}

function formatPath(path: readonly PropertyKey[]): string {
    if (path.length === 0) return '';
    let out = '';
    for (const key of path) out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
    return `${out}: `;
}

/** JSON schema `uniqueItems` on `repositories`: whole entries compared as JSON values. */
function duplicateEntries(entries: unknown[]): string[] {
    const firstIndex = new Map<string, number>();
    const errors: string[] = [];
    entries.forEach((entry, i) => {
        const key = canonicalJson(entry);
        const first = firstIndex.get(key);
        if (first === undefined) firstIndex.set(key, i);
        else errors.push(`repositories[${i}]: ${messages.duplicateRepository(first)}`);
    });
    return errors;
}

function canonicalJson(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
    if (value !== null && typeof value === 'object') {
        const record = value as Record<string, unknown>;
        return `{${Object.keys(record)
            .sort()
            .map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`)
            .join(',')}}`;
    }
    return JSON.stringify(value);
}
