import { z } from 'zod';
import { SettingsError } from './settingsError';

/**
 * One application setting: the environment variable it is read from, what it means (shown in
 * errors, the README and local.settings.sample.json), an example value for the sample file, and
 * the schema that parses it. Every setting the code reads is declared once, this way.
 */
export interface Setting<S extends z.ZodType = z.ZodType> {
    readonly name: string;
    readonly meaning: string;
    readonly example: string;
    readonly schema: S;
}

export function setting<S extends z.ZodType>(
    name: string,
    schema: S,
    meaning: string,
    example: string,
): Setting<S> {
    return { name, schema, meaning, example };
}

/** A setting that is absent or does not parse. The message names every offending setting. */

/** Reads and parses every setting of a catalog, collecting all problems before failing. */
export function readSettings<C extends Record<string, Setting>>(
    catalog: C,
    env: Record<string, string | undefined>,
): { [K in keyof C]: z.output<C[K]['schema']> } {
    const out: Record<string, unknown> = {};
    const problems: string[] = [];
    for (const [key, spec] of Object.entries(catalog)) {
        const raw = env[spec.name];
        const value = raw === undefined || raw.trim() === '' ? undefined : raw.trim();
        const parsed = spec.schema.safeParse(value);
        if (parsed.success) {
            out[key] = parsed.data;
        } else if (value === undefined) {
            problems.push(`${spec.name} is missing (${spec.meaning})`);
        } else {
            const reason = parsed.error.issues.map((i) => i.message).join('; ');
            problems.push(`${spec.name} is malformed: ${reason} (${spec.meaning})`);
        }
    }
    if (problems.length > 0) throw new SettingsError(problems);
    return out as { [K in keyof C]: z.output<C[K]['schema']> };
}

// Reusable parsers for setting values (all settings arrive as strings).

export const httpsUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

export const booleanFlag = z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' })
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const positiveInt = z.coerce.number({ error: 'expected a whole number' }).int().positive();

/** A repository prefix such as `quarantine/`: lower-case path components ending in a slash. */
export const repositoryPrefix = z
    .string()
    .regex(/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*\/$/, {
        error: 'expected a repository path prefix ending in "/", such as "quarantine/"',
    });
