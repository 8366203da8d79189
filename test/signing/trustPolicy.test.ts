/**
 * The Notary Project trust policy document: the spec's own examples (../shared/fixtures/notation/
 * specifications, JSONC with `//` comments removed) parse and select as the spec says; the
 * constraints of "Registry Scopes Constraints" and "Trusted Identities Constraints" are enforced.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { ParsedCertificate } from '../../shared/signing/certificateChain';
import { actionFor, matchesTrustedIdentities, parseTrustPolicy, parseTrustedIdentity, selectStatement } from '../../shared/signing/trustPolicy';

/** The spec's blocks are JSONC: whole-line and trailing `//` comments, none inside strings. */
const jsonc = (path: string) => JSON.parse(readFileSync(path, 'utf8').replace(/\s*\/\/[^\n"]*$/gm, '')) as unknown;
const SPEC = '../shared/fixtures/notation/specifications';
const statement = (overrides: Record<string, unknown>) => ({ name: 's', registryScopes: ['*'], signatureVerification: { level: 'strict' }, trustStores: ['ca:x'], trustedIdentities: ['*'], ...overrides });

describe('the specification\'s trust policies', () => {
    const multi = parseTrustPolicy(jsonc(`${SPEC}/trustpolicy.oci.multi-statement.jsonc`));

    test('an exact scope wins over the global statement; an unknown repository falls to the global one', () => {
        expect(selectStatement(multi, 'registry.acme-rockets.io/software/net-logger')?.name).toBe('wabbit-networks-images');
        expect(selectStatement(multi, 'registry.wabbit-networks.io/software/unsigned/net-utils')?.signatureVerification.level).toBe('skip');
        expect(selectStatement(multi, 'registry.acme-rockets.io/software/other')?.name).toBe('global-policy-for-all-other-images');
    });

    test('levels and overrides follow the enforcement table', () => {
        const legacy = selectStatement(multi, 'registry.acme-rockets.io/software/legacy/metrics')!;
        expect([actionFor(legacy, 'authenticity'), actionFor(legacy, 'expiry'), actionFor(legacy, 'revocation')]).toEqual(['enforce', 'log', 'skip']);
        const audit = selectStatement(multi, 'registry.acme-rockets.io/software/other')!;
        expect(actionFor(audit, 'authenticity')).toBe('log');
        const permissive = parseTrustPolicy({ version: '1.0', trustPolicies: [statement({ signatureVerification: { level: 'permissive' } })] }).trustPolicies[0]!;
        expect([actionFor(permissive, 'authenticity'), actionFor(permissive, 'authenticTimestamp'), actionFor(permissive, 'expiry'), actionFor(permissive, 'revocation')]).toEqual(['enforce', 'log', 'log', 'log']);
    });

    test('the afterCertExpiry example parses with its tsa store', () => {
        const policy = parseTrustPolicy(jsonc(`${SPEC}/trustpolicy.oci.timestamp-afterCertExpiry.jsonc`));
        expect(policy.trustPolicies[0]).toMatchObject({ signatureVerification: { verifyTimestamp: 'afterCertExpiry' }, trustStores: ['ca:acme-rockets', 'tsa:trusted-tsa'] });
    });

    test('no statement at all for a repository when there is no global one', () => {
        const scoped = parseTrustPolicy({ version: '1.0', trustPolicies: [statement({ registryScopes: ['a.io/b'] })] });
        expect(selectStatement(scoped, 'a.io/c')).toBeNull();
    });
});

describe('invalid trust policies are refused with every reason', () => {
    test.each<[string, unknown, RegExp]>([
        ['two global statements', { version: '1.0', trustPolicies: [statement({ name: 'a' }), statement({ name: 'b' })] }, /only one statement may use the global scope/],
        ['skip with the global scope', { version: '1.0', trustPolicies: [statement({ signatureVerification: { level: 'skip' } })] }, /level skip cannot be used with the global scope/],
        ['a scope with *', { version: '1.0', trustPolicies: [statement({ registryScopes: ['a.io/*'] })] }, /must not contain \*/],
        ['a scope that is not fully qualified', { version: '1.0', trustPolicies: [statement({ registryScopes: ['registry'] })] }, /not a fully qualified repository/],
        ['the same scope twice', { version: '1.0', trustPolicies: [statement({ name: 'a', registryScopes: ['a.io/b'] }), statement({ name: 'b', registryScopes: ['a.io/b'] })] }, /appears in more than one statement/],
        ['an identity without C, ST and O', { version: '1.0', trustPolicies: [statement({ trustedIdentities: ['x509.subject: CN=me'] })] }, /must name C, ST and O/],
        ['an identity of an unknown kind', { version: '1.0', trustPolicies: [statement({ trustedIdentities: ['email:me@example.com'] })] }, /does not start with x509.subject:/],
        ['no trust store', { version: '1.0', trustPolicies: [statement({ trustStores: [] })] }, /trustStores is required/],
        ['an unknown store type', { version: '1.0', trustPolicies: [statement({ trustStores: ['pgp:keys'] })] }, /<TrustStoreType>:<TrustStoreName>/],
        ['override of integrity', { version: '1.0', trustPolicies: [statement({ signatureVerification: { level: 'strict', override: { integrity: 'log' } } })] }, /integrity|Unrecognized key/],
        ['version 2.0', { version: '2.0', trustPolicies: [statement({})] }, /version/],
    ])('%s', (_name, document, reason) => {
        expect(() => parseTrustPolicy(document)).toThrow(reason);
    });
});

describe('trusted identities', () => {
    const leaf = (attributes: Array<[string, string]>) => ({ subjectAttributes: attributes }) as unknown as ParsedCertificate;
    const policyWith = (identity: string) => parseTrustPolicy({ version: '1.0', trustPolicies: [statement({ trustedIdentities: [identity] })] }).trustPolicies[0]!;

    test('a partial DN matches when every named attribute is equal', () => {
        const subject = leaf([['C', 'US'], ['ST', 'WA'], ['L', 'Seattle'], ['O', 'acme-rockets.io'], ['OU', 'Finance'], ['CN', 'SecureBuilder']]);
        expect(matchesTrustedIdentities(policyWith('x509.subject: C=US, ST=WA, O=acme-rockets.io'), subject)).toBe(true);
        expect(matchesTrustedIdentities(policyWith('x509.subject: C=US, ST=WA, O=acme-rockets.io, CN=Other'), subject)).toBe(false);
    });

    test('escaped commas, semicolons, backslashes and edge spaces are part of the value', () => {
        expect(parseTrustedIdentity('x509.subject: C=US, ST=WA, O=Acme\\, Inc.\\; R\\\\D, OU=\\ padded\\ ')).toEqual([['C', 'US'], ['ST', 'WA'], ['O', 'Acme, Inc.; R\\D'], ['OU', ' padded ']]);
    });
});
