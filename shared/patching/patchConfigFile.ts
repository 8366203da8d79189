import { readFileSync, statSync } from 'node:fs';
import { SettingsError } from '../config/settingsError';
import { MAX_CONFIG_BYTES, parsePatchingConfig, type PatchingConfig } from './config';

const PATCH_CONFIG_SETTING = 'ACR_GUARD_PATCH_CONFIG_PATH';

/**
 * The `ACR_GUARD_PATCH_CONFIG_PATH` setting: a path to a `continuouspatching.json`, read and
 * validated (with the same validator as `acr-guard patch plan`) at start-up, so
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

/**
 * The continuous-patching configuration named by ACR_GUARD_PATCH_CONFIG_PATH, or undefined when
 * patching is off. The composition root calls it at start-up, so a missing or invalid file fails
 * the start with a message naming the setting instead of failing the first cycle days later.
 */
export function loadPatchConfig(path: string | undefined): PatchingConfig | undefined {
    if (path === undefined) return undefined;
    const read = readPatchConfigFile(path);
    if (!read.ok) throw new SettingsError(read.errors.map((e) => `${PATCH_CONFIG_SETTING} is malformed: ${e}`));
    return read.config;
}
