import { describe, expect, it } from 'vitest';
import { checkRepositoryPattern, matchesRepositoryPattern } from '../../shared/policy/repositoryPattern';

describe('repository patterns', () => {
    it.each([
        ['quarantine/web/api', 'quarantine/web/api', true],
        ['quarantine/web/api', 'quarantine/web/api2', false],
        ['quarantine/web/api', 'quarantine/web', false],
        ['quarantine/web/*', 'quarantine/web/api', true],
        ['quarantine/web/*', 'quarantine/web/', true],
        ['quarantine/web/*', 'quarantine/web/api/v2', false],
        ['quarantine/*/api', 'quarantine/web/api', true],
        ['quarantine/*/api', 'quarantine/a/b/api', false],
        ['quarantine/**', 'quarantine/a/b/api', true],
        ['quarantine/**', 'quarantine', false],
        ['quarantine/**/api', 'quarantine/a/b/api', true],
        ['**', 'anything/at/all', true],
        ['*', 'top', true],
        ['*', 'top/level', false],
        ['web-*', 'web-api', true],
        ['*-legacy', 'live/app-legacy', false],
    ])('%s ~ %s → %s', (pattern, repository, expected) => {
        expect(matchesRepositoryPattern(pattern, repository)).toBe(expected);
    });

    it('treats regex metacharacters in a pattern literally: "." matches only a dot', () => {
        expect(matchesRepositoryPattern('team.web', 'team.web')).toBe(true);
        expect(matchesRepositoryPattern('team.web', 'teamxweb')).toBe(false);
    });

    it('stays linear on adversarial input (many stars against a long non-matching name)', () => {
        const pattern = '*a'.repeat(60) + 'b';
        expect(checkRepositoryPattern(pattern)).toBeNull();
        expect(matchesRepositoryPattern(pattern, 'a'.repeat(250))).toBe(false);
        expect(matchesRepositoryPattern('**a'.repeat(40) + 'b', 'a'.repeat(250) + 'b')).toBe(true);
    });

    it.each([
        ['', /empty/],
        ['quarantine/(.*)', /may contain only/],
        ['Quarantine/web', /may contain only/],
        ['quarantine/[ab]', /may contain only/],
        ['quarantine/***', /not \*\*\*/],
        ['a'.repeat(256), /at most 255/],
    ])('rejects pattern %j', (pattern, message) => {
        expect(checkRepositoryPattern(pattern)).toMatch(message);
    });
});
