import * as fs from 'node:fs';
import * as path from 'node:path';

/** Merges `values` into process.env and returns a function that puts the previous values back. */
export function applyEnv(values: Record<string, string> | undefined): () => void {
    const previous = new Map<string, string | undefined>();
    for (const [name, value] of Object.entries(values ?? {})) {
        previous.set(name, process.env[name]);
        process.env[name] = value;
    }
    return () => {
        for (const [name, value] of previous) {
            if (value === undefined) delete process.env[name];
            else process.env[name] = value;
        }
    };
}

/** The repository root (the folder holding package.json), from source or from dist/. */
export function repoRoot(start: string = __dirname): string {
    let dir = start;
    for (;;) {
        if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'host.json'))) return dir;
        const parent = path.dirname(dir);
        if (parent === dir) return path.resolve(__dirname, '..');
        dir = parent;
    }
}

/**
 * Resolves a binding property written as `%NAME%` (an app setting reference, as the Functions
 * host allows for queue names and schedules); other values are returned unchanged.
 */
export function resolveSettingReference(value: string, where: string, env: NodeJS.ProcessEnv = process.env): string {
    const name = /^%([^%]+)%$/.exec(value)?.[1];
    if (!name) return value;
    const resolved = env[name];
    if (!resolved) throw new Error(`${where} refers to the app setting ${name}, which is not set.`);
    return resolved;
}
