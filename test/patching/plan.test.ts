import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePatchingConfig, validatePatchingConfig, type PatchingConfig } from '../../shared/patching/config';
import { planPatchCycle, planRepositories, tagToScan } from '../../shared/patching/plan';
import { PATCH_LIMIT_MESSAGE } from '../../shared/patching/tagConvention';
import { inventoryTagSource, pagedTagSource, parseInventory, RepositoryNotFoundError, type Inventory, type TagSource } from '../../shared/patching/tagSource';

const fixture = (name: string) => readFileSync(path.resolve(__dirname, '../fixtures/patching', name), 'utf8');

function config(value: unknown): PatchingConfig {
    const result = validatePatchingConfig(value);
    if (!result.ok) throw new Error(result.errors.join('\n'));
    return result.config;
}
function inventory(): Inventory {
    const result = parseInventory(fixture('inventory.json'));
    if (!result.ok) throw new Error(result.errors.join('\n'));
    return result.inventory;
}
const fromFixture = (name: string) => {
    const result = parsePatchingConfig(fixture(name));
    if (!result.ok) throw new Error(result.errors.join('\n'));
    return result.config;
};

describe('planPatchCycle', () => {
    it('plans the fixture: explicit tags, "*", disabled and missing repositories, 999 cap, orphan patches', async () => {
        const plan = await planPatchCycle(fromFixture('continuouspatching.json'), inventoryTagSource(inventory()));
        expect(plan.matches).toEqual([
            { repository: 'live/ubuntu', tag: 'jammy', latestPatchTag: 'jammy-2', nextPatchTag: 'jammy-3' },
            { repository: 'live/ubuntu', tag: 'jammy-20240530', latestPatchTag: 'jammy-20240530-2', nextPatchTag: 'jammy-20240530-3' },
            { repository: 'live/app', tag: '1.0.0', latestPatchTag: '1.0.0-10', nextPatchTag: '1.0.0-11' },
            { repository: 'live/app', tag: '2.0.0', latestPatchTag: '2.0.0-999', nextPatchTag: null },
            { repository: 'live/app', tag: 'latest', latestPatchTag: null, nextPatchTag: 'latest-1' },
            // `1x25x3-7` is not a patch of `1.25.3` (acr-cli's unescaped regex would think so).
            { repository: 'live/nginx', tag: '1.25.3', latestPatchTag: '1.25.3-1', nextPatchTag: '1.25.3-2' },
        ]);
        expect(plan.notFound).toEqual([
            { repository: 'live/gone', tag: '1.0' },
            { repository: 'live/nginx', tag: '1.27.0' },
        ]);
        expect(plan.errors).toEqual([
            { repository: 'live/app', tag: '1x0x0', message: expect.stringMatching(/^patch tag 1x0x0-3 has no original tag 1x0x0/) },
            { repository: 'live/app', tag: '2.0.0', message: PATCH_LIMIT_MESSAGE },
            { repository: 'live/app', tag: 'orphan', message: expect.stringMatching(/^patch tag orphan-1 has no original tag orphan/) },
        ]);
        // live/old is disabled: never listed, never planned.
        expect(plan.matches.some((m) => m.repository === 'live/old')).toBe(false);
    });

    it('floating: next is always X-patched; incremental patch tags are ignored', async () => {
        const plan = await planPatchCycle(fromFixture('floating.json'), inventoryTagSource(inventory()));
        expect(plan.matches).toEqual([
            { repository: 'live/ubuntu', tag: 'jammy', latestPatchTag: 'jammy-patched', nextPatchTag: 'jammy-patched' },
            { repository: 'live/ubuntu', tag: 'jammy-20240530', latestPatchTag: 'jammy-20240530-patched', nextPatchTag: 'jammy-20240530-patched' },
            { repository: 'live/app', tag: '1.0.0', latestPatchTag: null, nextPatchTag: '1.0.0-patched' },
            { repository: 'live/app', tag: '2.0.0', latestPatchTag: null, nextPatchTag: '2.0.0-patched' },
            { repository: 'live/app', tag: 'latest', latestPatchTag: null, nextPatchTag: 'latest-patched' },
        ]);
        expect(plan.errors).toEqual([]);
        expect(plan.notFound).toEqual([]);
    });

    it('scans the newest patch and patches from the original', async () => {
        const plan = await planPatchCycle(fromFixture('continuouspatching.json'), inventoryTagSource(inventory()));
        expect(plan.matches.map(tagToScan)).toEqual(['jammy-2', 'jammy-20240530-2', '1.0.0-10', '2.0.0-999', 'latest', '1.25.3-1']);
    });

    it('reports every configured tag of a missing repository as not found, "*" included (as ACR)', async () => {
        const cfg = config({ version: 'v1', repositories: [{ repository: 'live/none', tags: ['*'] }, { repository: 'live/none2', tags: ['a', 'b'] }] });
        const plan = await planPatchCycle(cfg, inventoryTagSource({ repositories: {} }));
        expect(plan.notFound).toEqual([
            { repository: 'live/none', tag: '*' },
            { repository: 'live/none2', tag: 'a' },
            { repository: 'live/none2', tag: 'b' },
        ]);
        expect(plan.matches).toEqual([]);
    });

    it('records a listing failure as an error and plans the other repositories', async () => {
        const source: TagSource = {
            async *listTags(repository) {
                if (repository === 'live/broken') throw new Error('503 Service Unavailable');
                yield* ['1.0'];
            },
        };
        const cfg = config({ version: 'v1', repositories: [{ repository: 'live/broken', tags: ['*'] }, { repository: 'live/ok', tags: ['1.0'] }] });
        const plan = await planPatchCycle(cfg, source);
        expect(plan.errors).toEqual([{ repository: 'live/broken', tag: null, message: 'listing the tags failed: 503 Service Unavailable' }]);
        expect(plan.matches).toEqual([{ repository: 'live/ok', tag: '1.0', latestPatchTag: null, nextPatchTag: '1.0-1' }]);
    });

    it('plans a (repository, tag) configured twice once', async () => {
        const cfg = config({ version: 'v1', repositories: [{ repository: 'live/a', tags: ['1.0'] }, { repository: 'live/a', tags: ['*'] }] });
        const plan = await planPatchCycle(cfg, inventoryTagSource({ repositories: { 'live/a': ['1.0', '2.0'] } }));
        expect(plan.matches.map((m) => m.tag)).toEqual(['1.0', '2.0']);
    });

    it('has no 100-image cap', async () => {
        const tags = Array.from({ length: 150 }, (_, i) => `v${i}`);
        const plan = await planPatchCycle(config({ version: 'v1', repositories: [{ repository: 'live/big', tags: ['*'] }] }), inventoryTagSource({ repositories: { 'live/big': tags } }));
        expect(plan.matches).toHaveLength(150);
    });

    it('with "*", a long numeric suffix is an original and a -0 tag is an original too (acr-cli)', async () => {
        const plan = await planPatchCycle(
            config({ version: 'v1', repositories: [{ repository: 'live/u', tags: ['*'] }] }),
            inventoryTagSource({ repositories: { 'live/u': ['jammy-20240530', 'jammy-20240530-1', 'v-0'] } }),
        );
        expect(plan.matches).toEqual([
            { repository: 'live/u', tag: 'jammy-20240530', latestPatchTag: 'jammy-20240530-1', nextPatchTag: 'jammy-20240530-2' },
            { repository: 'live/u', tag: 'v-0', latestPatchTag: null, nextPatchTag: 'v-0-1' },
        ]);
    });

    it('streams per repository for the executor, through a paged lister (one request per page)', async () => {
        const all = Array.from({ length: 250 }, (_, i) => `t${String(i).padStart(3, '0')}`);
        const requests: { last: string | undefined; n: number }[] = [];
        const source = pagedTagSource(async (repository, page) => {
            if (repository !== 'live/paged') throw new RepositoryNotFoundError(repository);
            requests.push(page);
            const start = page.last === undefined ? 0 : all.indexOf(page.last) + 1;
            const tags = all.slice(start, start + page.n);
            return { tags, more: start + page.n < all.length };
        });
        const cfg = config({ version: 'v1', repositories: [{ repository: 'live/paged', tags: ['*'] }, { repository: 'live/missing', tags: ['x'] }] });
        const seen = [];
        for await (const repo of planRepositories(cfg, source)) seen.push(repo);
        expect(seen.map((r) => [r.repository, r.matches.length, r.notFound.length])).toEqual([
            ['live/paged', 250, 0],
            ['live/missing', 0, 1],
        ]);
        expect(requests).toEqual([
            { last: undefined, n: 100 },
            { last: 't099', n: 100 },
            { last: 't199', n: 100 },
        ]);
    });
});

describe('inventory validation', () => {
    it('accepts the fixture', () => {
        expect(parseInventory(fixture('inventory.json')).ok).toBe(true);
    });
    it.each([
        ['[]', /expected \{"repositories"/],
        ['{"repos": {}}', /repositories: expected \{"repositories"/],
        ['{"repositories": {"live/a": "1.0"}}', /expected an array of tags/],
        ['{"repositories": {"Live/A": ["1.0"]}}', /not a valid OCI repository name/],
        ['{"repositories": {"live/a": ["$(evil)"]}}', /not a valid OCI tag/],
        ['{not json', /inventory is not JSON/],
    ])('rejects %s', (text, message) => {
        const result = parseInventory(text);
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.errors.join('\n')).toMatch(message);
    });
});
