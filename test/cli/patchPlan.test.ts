import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../cli/main';
import { patchPlan } from '../../cli/patchPlan';
import { MAX_CONFIG_BYTES } from '../../shared/patching/config';

const fixtures = path.resolve(__dirname, '../fixtures/patching');
const at = (name: string) => path.join(fixtures, name);

function captureIo() {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), now: () => new Date() };
    return { io, out: () => out.join(''), err: () => err.join('') };
}

describe('acr-guard patch plan', () => {
    it('prints ACR\'s dry-run lines and exits 0 even with not-found tags and the 999 cap', async () => {
        const c = captureIo();
        const code = await patchPlan(['--config', at('continuouspatching.json'), '--inventory', at('inventory.json')], c.io);
        expect(code).toBe(0);
        expect(c.out()).toBe(readFileSync(at('expected-dry-run.txt'), 'utf8'));
        expect(c.err()).toBe('');
    });

    it('prints the JSON plan with --json', async () => {
        const c = captureIo();
        const code = await main(['patch', 'plan', '--config', at('floating.json'), '--inventory', at('inventory.json'), '--json'], c.io);
        expect(code).toBe(0);
        const json = JSON.parse(c.out());
        expect(json.errors).toEqual([]);
        expect(json.notFound).toEqual([]);
        expect(json.matches[0]).toEqual({ repository: 'live/ubuntu', tag: 'jammy', latestPatchTag: 'jammy-patched', nextPatchTag: 'jammy-patched' });
        expect(json.matches).toHaveLength(5);
    });

    it('exits 2 with every problem of an invalid config, and prints no plan', async () => {
        const c = captureIo();
        const code = await patchPlan(['--config', at('reserved-tags.json'), '--inventory', at('inventory.json')], c.io);
        expect(code).toBe(2);
        expect(c.out()).toBe('');
        expect(c.err()).toContain(`acr-guard patch plan: invalid config ${at('reserved-tags.json')}:`);
        expect(c.err()).toContain("Configuration error: Repository 'live/app' with tag '1.0-patched' is not allowed.");
        expect(c.err().match(/Configuration error/g)).toHaveLength(5);
    });

    it('exits 2 for a config that is not JSON, with ACR\'s message', async () => {
        const c = captureIo();
        expect(await patchPlan(['--config', at('trailing-comma.json'), '--inventory', at('inventory.json')], c.io)).toBe(2);
        expect(c.err()).toContain('File used for --config cannot be parsed as a JSON file.');
    });

    it('exits 2 for missing, empty and oversized files with the az CLI wording', async () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'patch-plan-'));
        const empty = path.join(dir, 'empty.json');
        writeFileSync(empty, '');
        const huge = path.join(dir, 'huge.json');
        writeFileSync(huge, Buffer.alloc(MAX_CONFIG_BYTES + 1, 0x20));
        const cases: [string, string, RegExp][] = [
            [path.join(dir, 'nope.json'), at('inventory.json'), /Config path file: .*nope\.json does not exist in the path specified/],
            [empty, at('inventory.json'), /Config path file: .*empty\.json is empty/],
            [huge, at('inventory.json'), /is too large\. Max size limit is 10\.0 MB/],
            [dir, at('inventory.json'), /is not a valid file/],
            [at('continuouspatching.json'), path.join(dir, 'nope.json'), /Inventory file: .*nope\.json does not exist/],
        ];
        for (const [config, inventory, message] of cases) {
            const c = captureIo();
            expect(await patchPlan(['--config', config, '--inventory', inventory], c.io)).toBe(2);
            expect(c.err()).toMatch(message);
        }
    });

    it('exits 2 for an invalid inventory', async () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'patch-plan-'));
        const bad = path.join(dir, 'inventory.json');
        writeFileSync(bad, JSON.stringify({ repositories: { 'live/app': ['ok', 'not ok'] } }));
        const c = captureIo();
        expect(await patchPlan(['--config', at('continuouspatching.json'), '--inventory', bad], c.io)).toBe(2);
        expect(c.err()).toMatch(/invalid inventory .*\n {2}- repositories\.live\/app: tag "not ok" is not a valid OCI tag/);
    });

    it('exits 2 on bad usage and 0 with --help', async () => {
        const missing = captureIo();
        expect(await patchPlan(['--config', at('floating.json')], missing.io)).toBe(2);
        expect(missing.err()).toContain('--inventory required');
        const unknown = captureIo();
        expect(await patchPlan(['--confg', 'x'], unknown.io)).toBe(2);
        expect(unknown.err()).toMatch(/Unknown option '--confg'/);
        const help = captureIo();
        expect(await main(['patch', 'plan', '--help'], help.io)).toBe(0);
        expect(help.out()).toContain('usage: acr-guard patch plan --config FILE --inventory FILE [--json]');
    });
});

describe('acr-guard dispatcher', () => {
    it('lists the commands with --help and rejects unknown ones with exit 2', async () => {
        const help = captureIo();
        expect(await main(['--help'], help.io)).toBe(0);
        expect(help.out()).toMatch(/patch plan --config FILE --inventory FILE \[--json\] +dry run of a continuous-patching cycle/);
        const bad = captureIo();
        expect(await main(['frobnicate'], bad.io)).toBe(2);
        expect(bad.err()).toContain('unknown command "frobnicate"');
    });
});
