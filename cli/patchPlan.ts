import { readFile, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { MAX_CONFIG_BYTES, parsePatchingConfig } from '../shared/patching/config';
import { formatDryRun, toPlanJson } from '../shared/patching/dryRunReport';
import { planPatchCycle } from '../shared/patching/plan';
import { inventoryTagSource, parseInventory } from '../shared/patching/tagSource';
import type { CliIo } from './main';
import { errorMessage } from '../shared/errors/errorMessage';

/**
 * `acr-guard patch plan --config FILE --inventory FILE [--json]`: ACR Continuous Patching's dry
 * run, offline. The inventory stands in for the registry: `{"repositories": {"REPO": ["TAG"]}}`.
 *
 * Exit codes: 0 when a plan was produced, even if it reports tags that do not exist or tags
 * that cannot be patched (the 999 cap): like ACR's dry run, those are findings listed in the
 * output (`notFound`, `errors`), not a failure of the command. 2 for bad usage or an invalid
 * config or inventory file: nothing was planned.
 */

export const PATCH_PLAN_USAGE = [
    'usage: acr-guard patch plan --config FILE --inventory FILE [--json]',
    '',
    'Lists what a continuous-patching cycle would scan and patch, without touching a registry.',
    '  --config FILE     continuouspatching.json (ACR Continuous Patching format)',
    '  --inventory FILE  {"repositories": {"REPO": ["TAG", ...]}}: the tags of the registry',
    '  --json            print {"matches", "notFound", "errors"} instead of ACR\'s dry-run lines',
    '',
    'Exit code: 0 when a plan is printed (even with not-found tags or errors), 2 for bad usage or',
    'an invalid config or inventory.',
    '',
].join('\n');

type FileRead = { ok: true; text: string } | { ok: false; error: string };

/** Reads a file with the az CLI extension's checks and messages ("Config path file: ..."). */
async function readInputFile(label: string, path: string, maxBytes: number | null): Promise<FileRead> {
    const prefix = `${label}: ${path}`;
    let size: number;
    try {
        const info = await stat(path);
        if (!info.isFile()) return { ok: false, error: `${prefix} is not a valid file` };
        size = info.size;
    } catch {
        return { ok: false, error: `${prefix} does not exist in the path specified` };
    }
    if (maxBytes !== null && size > maxBytes) {
        return { ok: false, error: `${prefix} is too large. Max size limit is ${(maxBytes / (1024 * 1024)).toFixed(1)} MB` };
    }
    if (size === 0) return { ok: false, error: `${prefix} is empty` };
    try {
        return { ok: true, text: await readFile(path, 'utf8') };
    } catch {
        return { ok: false, error: `${prefix} is not readable` };
    }
}

function fail(io: CliIo, lines: string[]): number {
    io.stderr(`${lines.join('\n')}\n`);
    return 2;
}

export async function patchPlan(argv: string[], io: CliIo): Promise<number> {
    let values: { config?: string; inventory?: string; json?: boolean; help?: boolean };
    try {
        ({ values } = parseArgs({
            args: argv,
            options: {
                config: { type: 'string' },
                inventory: { type: 'string' },
                json: { type: 'boolean' },
                help: { type: 'boolean', short: 'h' },
            },
            strict: true,
            allowPositionals: false,
        }));
    } catch (err) {
        return fail(io, [`acr-guard patch plan: ${errorMessage(err)}`, '', PATCH_PLAN_USAGE]);
    }
    if (values.help) {
        io.stdout(PATCH_PLAN_USAGE);
        return 0;
    }
    if (!values.config || !values.inventory) {
        const missing = [!values.config && '--config', !values.inventory && '--inventory'].filter(Boolean).join(' and ');
        return fail(io, [`acr-guard patch plan: ${missing} required`, '', PATCH_PLAN_USAGE]);
    }

    const configFile = await readInputFile('Config path file', values.config, MAX_CONFIG_BYTES);
    if (!configFile.ok) return fail(io, [`acr-guard patch plan: ${configFile.error}`]);
    const config = parsePatchingConfig(configFile.text);
    if (!config.ok) {
        return fail(io, [`acr-guard patch plan: invalid config ${values.config}:`, ...config.errors.map((e) => `  - ${e}`)]);
    }

    const inventoryFile = await readInputFile('Inventory file', values.inventory, null);
    if (!inventoryFile.ok) return fail(io, [`acr-guard patch plan: ${inventoryFile.error}`]);
    const inventory = parseInventory(inventoryFile.text);
    if (!inventory.ok) {
        return fail(io, [`acr-guard patch plan: invalid inventory ${values.inventory}:`, ...inventory.errors.map((e) => `  - ${e}`)]);
    }

    const plan = await planPatchCycle(config.config, inventoryTagSource(inventory.inventory));
    if (values.json) io.stdout(`${JSON.stringify(toPlanJson(plan), null, 2)}\n`);
    else io.stdout(`${formatDryRun(config.config, plan, { source: 'file' }).join('\n')}\n`);
    return 0;
}
