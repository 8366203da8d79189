import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { messages, parsePatchingConfig, validatePatchingConfig } from '../../shared/patching/config';

const fixture = (name: string) => readFileSync(path.resolve(__dirname, '../fixtures/patching', name), 'utf8');

function errorsOf(value: unknown): string[] {
    const result = validatePatchingConfig(value);
    expect(result.ok).toBe(false);
    return result.ok ? [] : result.errors;
}

const repo = (tags: unknown, extra: Record<string, unknown> = {}) => ({ version: 'v1', repositories: [{ repository: 'live/app', tags, ...extra }] });

describe('continuouspatching.json validation', () => {
    it('accepts the fixture config and normalises it', () => {
        const result = parsePatchingConfig(fixture('continuouspatching.json'));
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        expect(result.config.tagConvention).toBe('incremental');
        expect(result.config.configuredTagConvention).toBe('incremental');
        expect(result.config.repositories).toHaveLength(5);
        expect(result.config.repositories[1]).toEqual({ repository: 'live/app', tags: [], allTags: true, enabled: true });
        expect(result.config.repositories[2]!.enabled).toBe(false);
    });

    it('defaults the tag convention to incremental and enabled to true (docs example without them)', () => {
        const result = validatePatchingConfig({ version: 'v1', repositories: [{ repository: 'live/app', tags: ['1.0'] }] });
        expect(result).toEqual({
            ok: true,
            config: {
                version: 'v1',
                tagConvention: 'incremental',
                configuredTagConvention: '',
                repositories: [{ repository: 'live/app', tags: ['1.0'], allTags: false, enabled: true }],
            },
        });
    });

    it('ignores unknown keys, like ACR (no additionalProperties: false)', () => {
        const result = validatePatchingConfig({ version: 'v1', comment: 'x', repositories: [{ repository: 'a', tags: ['1'], note: 'y' }] });
        expect(result.ok).toBe(true);
    });

    it('rejects the docs example trailing comma with ACR\'s not-JSON message', () => {
        const result = parsePatchingConfig(fixture('trailing-comma.json'));
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.errors[0]).toContain(messages.notJson);
    });

    it.each([
        [{ repositories: [{ repository: 'a', tags: ['1'] }] }, `version: ${messages.version}`],
        [{ version: 'v2', repositories: [{ repository: 'a', tags: ['1'] }] }, `version: ${messages.version}`],
        [{ version: 'v1' }, `repositories: ${messages.repositories}`],
        [{ version: 'v1', repositories: [] }, `repositories: ${messages.repositories}`],
        [{ version: 'v1', 'tag-convention': 'rolling', repositories: [{ repository: 'a', tags: ['1'] }] }, `tag-convention: ${messages.tagConvention}`],
        [{ version: 'v1', 'tag-convention': '', repositories: [{ repository: 'a', tags: ['1'] }] }, `tag-convention: ${messages.tagConvention}`],
        [{ version: 'v1', repositories: [{ tags: ['1'] }] }, `repositories[0].repository: ${messages.repository}`],
        [{ version: 'v1', repositories: [{ repository: '', tags: ['1'] }] }, `repositories[0].repository: ${messages.repository}`],
        [{ version: 'v1', repositories: [{ repository: 'a' }] }, `repositories[0].tags: ${messages.tags}`],
        [repo([]), `repositories[0].tags: ${messages.tags}`],
        [repo(['']), `repositories[0].tags[0]: ${messages.tag}`],
        [repo(['1.0'], { enabled: 'yes' }), `repositories[0].enabled: ${messages.enabled}`],
    ])('rejects %j with ACR\'s message', (value, message) => {
        expect(errorsOf(value)).toContain(message);
    });

    it('rejects reserved patch tags with the az CLI message, -0/-01 included, but not -1000', () => {
        const result = parsePatchingConfig(fixture('reserved-tags.json'));
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect(result.errors).toEqual(
            ['1.0-patched', '1.0-1', '1.0-999', '1.0-0', '1.0-01'].map((tag, i) => `repositories[0].tags[${i}]: ${messages.reserved('live/app', tag)}`),
        );
        expect(result.errors[0]).toContain(
            "Configuration error: Repository 'live/app' with tag '1.0-patched' is not allowed. Tags ending with '*-patched' (floating tag) or '*-0' to '*-999' (incremental tag) are reserved for internal use.",
        );
    });

    it('"*" must be the only tag of its repository', () => {
        expect(errorsOf(repo(['*', '1.0']))).toEqual([`repositories[0].tags: ${messages.starWithOthers}`]);
        expect(validatePatchingConfig(repo(['*'])).ok).toBe(true);
    });

    it('tags must be unique', () => {
        expect(errorsOf(repo(['1.0', '1.0']))).toEqual([`repositories[0].tags[1]: ${messages.duplicateTag('live/app', '1.0')}`]);
        expect(errorsOf(repo(['*', '*']))).toContain(`repositories[0].tags[1]: ${messages.duplicateTag('live/app', '*')}`);
    });

    it('repositories must be unique (uniqueItems compares whole entries, key order aside)', () => {
        const errors = errorsOf({
            version: 'v1',
            repositories: [
                { repository: 'a', tags: ['1'], enabled: true },
                { enabled: true, tags: ['1'], repository: 'a' },
            ],
        });
        expect(errors).toEqual([`repositories[1]: ${messages.duplicateRepository(0)}`]);
        // The same repository with different tags is accepted by ACR; the planner de-duplicates rows.
        expect(validatePatchingConfig({ version: 'v1', repositories: [{ repository: 'a', tags: ['1'] }, { repository: 'a', tags: ['2'] }] }).ok).toBe(true);
    });

    it('validates repository names with the OCI grammar and tags as OCI tags (nothing reaches a task unchecked)', () => {
        expect(errorsOf({ version: 'v1', repositories: [{ repository: 'Live/App', tags: ['1'] }] })[0]).toMatch(
            /^repositories\[0\]\.repository: repository "Live\/App" is not a valid OCI repository name/,
        );
        expect(errorsOf({ version: 'v1', repositories: [{ repository: 'live/*', tags: ['1'] }] })[0]).toMatch(/not a valid OCI repository name/);
        expect(errorsOf(repo(['1.0;rm -rf /']))).toEqual([`repositories[0].tags[0]: ${messages.invalidTag('live/app', '1.0;rm -rf /')}`]);
        expect(errorsOf(repo(['1.*']))[0]).toMatch(/is not a valid OCI tag/);
    });

    it('collects every problem at once', () => {
        const errors = errorsOf({ version: 'v1', repositories: [{ repository: 'a', tags: ['x-1'] }, { repository: 'b', tags: ['*', 'y'] }] });
        expect(errors).toHaveLength(2);
    });
});
