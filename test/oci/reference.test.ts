import { describe, expect, it } from 'vitest';
import { checkDigest, checkRegistry, checkRepository, checkTag, isDigest, isRepository, isTag } from '../../shared/oci/reference';

const sha = 'sha256:' + 'a'.repeat(64);

describe('OCI reference grammar', () => {
    it.each(['quarantine/library/nginx', 'live/a0005/chain-api', 'a', 'a__b', 'a--b/c.d_e', 'hello-world'])('accepts repository %s', (name) => {
        expect(isRepository(name)).toBe(true);
    });

    it.each([
        ['', 'empty'],
        ['Quarantine/nginx', 'upper case'],
        ['quarantine//nginx', 'empty component'],
        ['quarantine/nginx/', 'trailing slash'],
        ['quarantine/nginx;rm -rf /', 'shell metacharacters'],
        ['quarantine/$(curl evil)', 'command substitution'],
        ['quarantine/nginx\n  - cmd: evil', 'newline (YAML step injection)'],
        ['quarantine/nginx" | where 1==1', 'KQL quote'],
        ['../etc/passwd', 'path traversal'],
        ['a'.repeat(256), 'too long'],
    ])('rejects repository %j (%s)', (name) => {
        const result = checkRepository(name);
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.reason).toMatch(/repository/);
    });

    it('accepts and rejects tags', () => {
        expect(isTag('1.25.3-alpine')).toBe(true);
        expect(isTag('_x')).toBe(true);
        expect(isTag('a'.repeat(128))).toBe(true);
        expect(isTag('a'.repeat(129))).toBe(false);
        expect(isTag('-leading-dash')).toBe(false);
        expect(isTag('.leading-dot')).toBe(false);
        expect(isTag('v1 && evil')).toBe(false);
        expect(checkTag('{{.Values.x}}').ok).toBe(false);
    });

    it('accepts only well-formed sha256/sha512 digests', () => {
        expect(isDigest(sha)).toBe(true);
        expect(isDigest('sha512:' + 'b'.repeat(128))).toBe(true);
        expect(isDigest('sha256:' + 'A'.repeat(64))).toBe(false);
        expect(isDigest('sha256:abc')).toBe(false);
        expect(isDigest('digest1')).toBe(false);
        expect(checkDigest('md5:' + 'a'.repeat(32)).ok).toBe(false);
    });

    it('accepts registry hosts with ports and rejects junk', () => {
        expect(checkRegistry('contoso.azurecr.io').ok).toBe(true);
        expect(checkRegistry('localhost:5000').ok).toBe(true);
        expect(checkRegistry('contoso.azurecr.io/evil').ok).toBe(false);
        expect(checkRegistry('-bad.example').ok).toBe(false);
    });
});
