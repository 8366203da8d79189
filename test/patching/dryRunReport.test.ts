import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePatchingConfig, validatePatchingConfig } from '../../shared/patching/config';
import { DRY_RUN_HEADER, formatDryRun, toPlanJson } from '../../shared/patching/dryRunReport';
import { planPatchCycle } from '../../shared/patching/plan';
import { inventoryTagSource, parseInventory } from '../../shared/patching/tagSource';

const fixture = (name: string) => readFileSync(path.resolve(__dirname, '../fixtures/patching', name), 'utf8');

describe('ACR dry-run format', () => {
    it('matches acr-cli line for line, including the two spaces after "Configured Tag Convention:"', async () => {
        const cfg = parsePatchingConfig(fixture('continuouspatching.json'));
        const inv = parseInventory(fixture('inventory.json'));
        if (!cfg.ok || !inv.ok) throw new Error('fixtures must be valid');
        const plan = await planPatchCycle(cfg.config, inventoryTagSource(inv.inventory));
        const expected = fixture('expected-dry-run.txt').trimEnd().split('\n');
        expect(formatDryRun(cfg.config, plan)).toEqual(expected);
    });

    it('prints "No matching repository and tag found!" and an empty convention when unset, with nothing after Matches found', async () => {
        const cfg = validatePatchingConfig({ version: 'v1', repositories: [{ repository: 'live/a', tags: ['1.0'] }] });
        if (!cfg.ok) throw new Error('valid');
        const plan = await planPatchCycle(cfg.config, inventoryTagSource({ repositories: { 'live/a': ['2.0'] } }));
        expect(formatDryRun(cfg.config, plan)).toEqual([
            ...DRY_RUN_HEADER,
            'Reading filter from filter file path...',
            'Validating filter...',
            'Configured Tag Convention:  ',
            'Artifacts specified in the filter that do not exist:',
            'Repo,Tag',
            'live/a,1.0',
            'Not found: 1',
            'No matching repository and tag found!',
            'Matches found: 0',
        ]);
    });

    it('keeps the rows that ACR\'s trigger task extracts with sed /^Listing/,/^Matches/', async () => {
        const cfg = validatePatchingConfig({ version: 'v1', 'tag-convention': 'floating', repositories: [{ repository: 'live/a', tags: ['*'] }] });
        if (!cfg.ok) throw new Error('valid');
        const plan = await planPatchCycle(cfg.config, inventoryTagSource({ repositories: { 'live/a': ['1.0', '1.0-patched', '2.0'] } }));
        const lines = formatDryRun(cfg.config, plan, { source: 'policy' });
        expect(lines).toContain('Reading filter from filter policy...');
        expect(lines.filter((l) => l.startsWith('Configured Tag Convention:'))).toEqual(['Configured Tag Convention:  floating']);
        const from = lines.findIndex((l) => l.startsWith('Listing'));
        const to = lines.findIndex((l) => l.startsWith('Matches'));
        expect(lines.slice(from + 1, to).filter((l) => !l.startsWith('Repo'))).toEqual(['live/a,1.0,1.0-patched', 'live/a,2.0,N/A']);
        expect(lines[lines.length - 1]).toBe('Matches found: 2');
    });
});

describe('plan JSON', () => {
    it('has exactly matches, notFound and errors with the documented fields', async () => {
        const cfg = parsePatchingConfig(fixture('continuouspatching.json'));
        const inv = parseInventory(fixture('inventory.json'));
        if (!cfg.ok || !inv.ok) throw new Error('fixtures must be valid');
        const json = toPlanJson(await planPatchCycle(cfg.config, inventoryTagSource(inv.inventory)));
        expect(Object.keys(json)).toEqual(['matches', 'notFound', 'errors']);
        for (const m of json.matches) expect(Object.keys(m)).toEqual(['repository', 'tag', 'latestPatchTag', 'nextPatchTag']);
        expect(json.matches.find((m) => m.tag === 'latest')).toEqual({ repository: 'live/app', tag: 'latest', latestPatchTag: null, nextPatchTag: 'latest-1' });
        expect(json.notFound).toEqual([{ repository: 'live/gone', tag: '1.0' }, { repository: 'live/nginx', tag: '1.27.0' }]);
        expect(json.errors.map((e) => Object.keys(e))).toEqual([['repository', 'tag', 'message'], ['repository', 'tag', 'message'], ['repository', 'tag', 'message']]);
        expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    });
});
