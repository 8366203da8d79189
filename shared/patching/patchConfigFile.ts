import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { MAX_CONFIG_BYTES, parsePatchingConfig, type PatchingConfig } from './config';

/**
 * The `ACR_GUARD_PATCH_CONFIG_PATH` setting: a path to a `continuouspatching.json`, read and
 * validated (with the same validator as `acr-guard patch plan`) when the settings are loaded, so
 * a missing or invalid file fails start-up with a message naming the setting instead of failing
 * the first cycle days later. The file checks keep the az CLI extension's wording.
 */
export function readPatchConfigFile(path: string): { ok: true; config: PatchingConfig } | { ok: false; errors: string[] } {
    const prefix = `Config path file: ${path}`;
    let size: number;
    try {
        const info = statSync(path);
        if (!info.isFile()) return { ok: false, errors: [`${prefix} is not a valid file`] };
        size = info.size;
    } catch {
        return { ok: false, errors: [`${prefix} does not exist in the path specified`] };
    }
    if (size > MAX_CONFIG_BYTES) return { ok: false, errors: [`${prefix} is too large. Max size limit is 10.0 MB`] };
    if (size === 0) return { ok: false, errors: [`${prefix} is empty`] };
    let text: string;
    try {
        text = readFileSync(path, 'utf8');
    } catch {
        return { ok: false, errors: [`${prefix} is not readable`] };
    }
    return parsePatchingConfig(text);
}

/** zod: path -> validated PatchingConfig. */
export const patchConfigFile = z.string().transform((path, ctx): PatchingConfig => {
    const read = readPatchConfigFile(path);
    if (!read.ok) {
        for (const error of read.errors) ctx.addIssue({ code: 'custom', message: error });
        return z.NEVER;
    }
    return read.config;
});
