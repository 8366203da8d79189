/**
 * The Sigstore conformance bundles in ../shared/fixtures/sigstore, read in place and verified
 * offline with the trusted root the fixtures carry, following the suite's conventions (its
 * README.md, copied there): a folder ending in _fail must fail; `artifact` else a.txt; the default
 * identity and issuer; key.pub means verify with that key; trusted_root.json else public-good.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { SigstoreBundleVerifier, type SigstoreSignerPolicy } from '../../shared/signing/sigstoreBundleVerifier';

const SIGSTORE = '../shared/fixtures/sigstore';
const CONFORMANCE = join(SIGSTORE, 'conformance');
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as unknown;
const IDENTITY = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';

function conformanceCase(name: string) {
    const folder = join(CONFORMANCE, name);
    const file = (entry: string) => join(folder, entry);
    const artifact = readFileSync(existsSync(file('artifact')) ? file('artifact') : join(CONFORMANCE, 'a.txt'));
    const trustedRoot = readJson(existsSync(file('trusted_root.json')) ? file('trusted_root.json') : join(SIGSTORE, 'public-good', 'trusted_root.json'));
    const policy: SigstoreSignerPolicy = existsSync(file('key.pub'))
        ? { kind: 'publicKey', publicKeyPem: readFileSync(file('key.pub'), 'utf8') }
        : {
            kind: 'identity',
            subjectAlternativeName: existsSync(file('identity')) ? readFileSync(file('identity'), 'utf8').trim() : IDENTITY,
            issuer: existsSync(file('issuer')) ? readFileSync(file('issuer'), 'utf8').trim() : ISSUER,
        };
    return { bundle: readFileSync(file('bundle.sigstore.json')), artifact, trustedRoot, policy };
}

describe('sigstore-conformance bundle-verify cases (PROVENANCE section 6)', () => {
    test.each(['happy-path-v0.3', 'happy-path-intoto-in-dsse-v3', 'managed-key-happy-path', 'intoto-with-custom-trust-root'])('%s verifies', (name) => {
        const fixture = conformanceCase(name);
        const result = new SigstoreBundleVerifier({ trustedRoot: fixture.trustedRoot }).verify(fixture.bundle, { artifact: fixture.artifact }, fixture.policy);
        expect(result).toMatchObject({ verdict: 'valid', reason: expect.stringMatching(/^Sigstore bundle verified: signed by /) });
        expect(result.signer).toBe(fixture.policy.kind === 'identity' ? `${IDENTITY} (issuer ${ISSUER})` : 'the pinned public key');
    });

    test.each([
        ['message-digest-mismatch_fail', 'invalid', /messageDigest is not the artifact's sha256/],
        ['incorrect-public-key_fail', 'invalid', /^Sigstore verification failed \(TLOG_/],
        ['intoto-expired-certificate_fail', 'invalid', /^Sigstore verification failed \(CERTIFICATE_ERROR\)/],
        // Its key.pub is not a parseable key at all ("…/++++wrongkey=="): a broken pinned key is a configuration error.
        ['managed-key-wrong-key_fail', 'error', /^the Sigstore trust material is unusable/],
    ])('%s fails (%s)', (name, verdict, reason) => {
        const fixture = conformanceCase(name);
        const result = new SigstoreBundleVerifier({ trustedRoot: fixture.trustedRoot }).verify(fixture.bundle, { artifact: fixture.artifact }, fixture.policy);
        expect(result.verdict).toBe(verdict);
        expect(result.reason).toMatch(reason);
    });

    test('managed-key-happy-path with another valid key (not the signer\'s) fails', () => {
        const fixture = conformanceCase('managed-key-happy-path');
        const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
        const result = new SigstoreBundleVerifier({ trustedRoot: fixture.trustedRoot }).verify(fixture.bundle, { artifact: fixture.artifact }, { kind: 'publicKey', publicKeyPem: other });
        expect(result).toMatchObject({ verdict: 'invalid', reason: expect.stringMatching(/^Sigstore verification failed/) });
    });
});

describe('Sigstore: what was signed must be what we asked about, by whom we trust', () => {
    test('happy-path-v0.3 over another artifact (one byte changed) fails', () => {
        const fixture = conformanceCase('happy-path-v0.3');
        const other = Buffer.from(fixture.artifact);
        other[0] = other[0]! ^ 1;
        expect(new SigstoreBundleVerifier({ trustedRoot: fixture.trustedRoot }).verify(fixture.bundle, { artifact: other }, fixture.policy).verdict).toBe('invalid');
    });

    test('happy-path-v0.3 with another identity fails the policy', () => {
        const fixture = conformanceCase('happy-path-v0.3');
        const result = new SigstoreBundleVerifier({ trustedRoot: fixture.trustedRoot }).verify(fixture.bundle, { artifact: fixture.artifact }, { kind: 'identity', subjectAlternativeName: 'https://github.com/someone/else/.github/workflows/x.yml@refs/heads/main', issuer: ISSUER });
        expect(result).toMatchObject({ verdict: 'invalid', reason: expect.stringMatching(/^Sigstore verification failed/) });
    });

    test('the DSSE in-toto bundle is checked by subject digest (how an image digest is asked about) and fails for another digest', () => {
        const fixture = conformanceCase('happy-path-intoto-in-dsse-v3');
        const verifier = new SigstoreBundleVerifier({ trustedRoot: fixture.trustedRoot });
        const digest = `sha256:${createHash('sha256').update(fixture.artifact).digest('hex')}`;
        expect(verifier.verify(fixture.bundle, { digest }, fixture.policy).verdict).toBe('valid');
        const other = `sha256:${'ab'.repeat(32)}`;
        expect(verifier.verify(fixture.bundle, { digest: other }, fixture.policy)).toMatchObject({ verdict: 'invalid', reason: expect.stringMatching(/do not include sha256:abab/) });
    });

    test('the intoto bundle with a custom root does not verify against the public-good root', () => {
        const fixture = conformanceCase('intoto-with-custom-trust-root');
        const result = new SigstoreBundleVerifier({ trustedRoot: readJson(join(SIGSTORE, 'public-good', 'trusted_root.json')) }).verify(fixture.bundle, { artifact: fixture.artifact }, fixture.policy);
        expect(result.verdict).toBe('invalid');
    });

    test('a malformed or oversized bundle is invalid with its reason', () => {
        const fixture = conformanceCase('happy-path-v0.3');
        const verifier = new SigstoreBundleVerifier({ trustedRoot: fixture.trustedRoot });
        expect(verifier.verify(Buffer.from('{"mediaType":"nope"}'), { artifact: fixture.artifact }, fixture.policy).reason).toMatch(/^the Sigstore bundle is malformed/);
        expect(verifier.verify(Buffer.alloc(300 * 1024, 0x20), { artifact: fixture.artifact }, fixture.policy).reason).toMatch(/more than the limit of 262144/);
    });
});
