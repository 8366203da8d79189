/**
 * The Notary Project signatures in ../shared/fixtures/notation, read in place, verified or failed
 * exactly as PROVENANCE.md (section 5) says their sources expect. Where acr-guard does less than
 * notation (RFC 3161 timestamps), the outcome is `error`, never `valid`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseChain } from '../../shared/signing/certificateChain';
import { parseCoseEnvelope } from '../../shared/signing/coseEnvelope';
import { parseJwsEnvelope } from '../../shared/signing/jwsEnvelope';
import { COSE_ENVELOPE, JWS_ENVELOPE } from '../../shared/signing/mediaTypes';
import { NotaryEnvelopeVerifier } from '../../shared/signing/notaryVerifier';
import { ReferrerNotarySignatureVerifier } from '../../shared/signing/referrerSignatureVerifier';
import { chainThumbprints, parseSignatureManifest } from '../../shared/signing/signatureManifest';
import { parseTrustPolicy, type TrustPolicyDocument } from '../../shared/signing/trustPolicy';
import { TrustStore } from '../../shared/signing/trustStore';
import { MemoryReferrerRegistry } from '../support/memoryReferrerRegistry';

const NOTATION = '../shared/fixtures/notation';
const GO = join(NOTATION, 'notation-go');
const E2E = join(NOTATION, 'notation-e2e');
const read = (path: string) => readFileSync(path);
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as unknown;

function policy(trustStores: string[], options: { level?: string; identities?: string[]; verifyTimestamp?: string; override?: Record<string, string> } = {}): TrustPolicyDocument {
    return parseTrustPolicy({
        version: '1.0',
        trustPolicies: [{
            name: 'test-statement-name',
            registryScopes: ['*'],
            signatureVerification: { level: options.level ?? 'strict', ...(options.verifyTimestamp ? { verifyTimestamp: options.verifyTimestamp } : {}), ...(options.override ? { override: options.override } : {}) },
            trustStores,
            trustedIdentities: options.identities ?? ['*'],
        }],
    });
}

describe('notation-go unit-test envelopes (verifier/verifier_test.go)', () => {
    const store = TrustStore.fromDirectory(join(GO, 'truststore'));
    // The artifact of the ca_* and sa_* envelopes (PROVENANCE 5a).
    const subject = { mediaType: 'application/vnd.docker.distribution.manifest.v2+json', digest: 'sha256:60043cf45eaebc4c0867fea485a039b598f52fd09fd5b07b0b2d2f88fad9d74e', size: 528 };
    const repositoryUri = 'registry.acme-rockets.io/software/net-monitor';
    const verify = (file: string, document: TrustPolicyDocument) => new NotaryEnvelopeVerifier({ trustPolicy: document, trustStore: store })
        .verify({ envelope: read(join(GO, 'envelopes', file)), envelopeMediaType: JWS_ENVELOPE, subject, repositoryUri });

    test('ca_valid_sig_env.json passes integrity, authenticity and expiry with ca:valid-trust-store', () => {
        const result = verify('ca_valid_sig_env.json', policy(['ca:valid-trust-store']));
        expect(result.verdict).toBe('valid');
        expect(result.signer).toMatch(/^CN=.+,O=Notary,L=Seattle,ST=WA,C=US$/);
        expect(result.warnings).toEqual([]);
    });

    test('ca_invalid_sig_env.json fails integrity (its base64 was tampered with)', () => {
        const result = verify('ca_invalid_sig_env.json', policy(['ca:valid-trust-store']));
        expect(result.verdict).toBe('invalid');
        expect(result.reason).toMatch(/^integrity validation failed: .*base64url/);
    });

    test('ca_expired_sig_env.json fails expiry (2022-07-29T23:59:00Z) after integrity and authenticity pass', () => {
        const result = verify('ca_expired_sig_env.json', policy(['ca:valid-trust-store']));
        expect(result).toMatchObject({ verdict: 'invalid', reason: 'expiry validation failed: digital signature has expired on 2022-07-29T23:59:00.000Z' });
        expect(result.signer).not.toBeNull();
    });

    test('ca_expired_sig_env.json is valid with a warning when expiry is only logged (permissive)', () => {
        const result = verify('ca_expired_sig_env.json', policy(['ca:valid-trust-store'], { level: 'permissive' }));
        expect(result.verdict).toBe('valid');
        expect(result.warnings).toEqual(['expiry validation failed: digital signature has expired on 2022-07-29T23:59:00.000Z']);
    });

    test('sa_valid_sig_env.json (notary.x509.signingAuthority) verifies with signingAuthority:valid-trust-store', () => {
        expect(verify('sa_valid_sig_env.json', policy(['signingAuthority:valid-trust-store'])).verdict).toBe('valid');
    });

    test('sa_valid_sig_env.json does not verify against a ca store: the scheme decides the store type', () => {
        expect(verify('sa_valid_sig_env.json', policy(['ca:valid-trust-store'])).reason).toMatch(/does not contain any trusted certificate/);
    });

    test('the wrong chain (GlobalSign Root CA - R3) fails authenticity: no trusted certificate', () => {
        const result = verify('ca_valid_sig_env.json', policy(['ca:valid-trust-store-2']));
        expect(result.verdict).toBe('invalid');
        expect(result.reason).toMatch(/^authenticity validation failed: the signature's certificate chain does not contain any trusted certificate/);
    });

    test('trusted identity CN=LOL,O=DummyOrg,... does not match the signing certificate', () => {
        const result = verify('ca_valid_sig_env.json', policy(['ca:valid-trust-store'], { identities: ['x509.subject:CN=LOL,O=DummyOrg,L=Hyderabad,ST=TG,C=IN'] }));
        expect(result.verdict).toBe('invalid');
        expect(result.reason).toMatch(/signing certificate from the digital signature does not match the X.509 trusted identities defined in the trust policy "test-statement-name"/);
    });

    test('a trusted identity naming the signing certificate\'s own subject attributes matches', () => {
        const leaf = parseChain((JSON.parse(read(join(GO, 'envelopes', 'ca_valid_sig_env.json')).toString()) as { header: { x5c: string[] } }).header.x5c.map((b) => Buffer.from(b, 'base64')));
        if (!leaf.ok) throw new Error(leaf.reason);
        const attributes = Object.fromEntries(leaf.chain[0]!.subjectAttributes);
        const identity = `x509.subject: C=${attributes.C}, ST=${attributes.ST}, O=${attributes.O}`;
        expect(verify('ca_valid_sig_env.json', policy(['ca:valid-trust-store'], { identities: [identity] })).verdict).toBe('valid');
    });

    test('a trust store value without ":" is rejected: <TrustStoreType>:<TrustStoreName>', () => {
        expect(() => policy(['signingAuthority'])).toThrow(/<TrustStoreType>:<TrustStoreName>/);
    });

    test('a signature over another artifact is invalid even when everything else verifies', () => {
        const result = new NotaryEnvelopeVerifier({ trustPolicy: policy(['ca:valid-trust-store']), trustStore: store })
            .verify({ envelope: read(join(GO, 'envelopes', 'ca_valid_sig_env.json')), envelopeMediaType: JWS_ENVELOPE, subject: { ...subject, digest: `sha256:${'0'.repeat(64)}` }, repositoryUri });
        expect(result.verdict).toBe('invalid');
        expect(result.reason).toMatch(/^the signature is over another artifact: its targetArtifact digest sha256:60043cf4/);
    });
});

describe('notation-go timestamp envelopes (verifier/timestamp_test.go)', () => {
    // The copied ca:valid-trust-store lacks notation-go's self-signed CN=testTSA certificate (the signer
    // of the *Expired* envelopes, which its store trusts); it is pinned here from the envelope itself.
    const expired = parseJwsEnvelope(read(join(GO, 'timestamp', 'jwsExpiredWithTimestamp.sig')));
    if (!expired.ok) throw new Error(expired.reason);
    const store = TrustStore.fromDirectory(join(GO, 'truststore')).add('ca', 'valid-trust-store', [expired.envelope.certificateChain[0]!]);
    const subject = { mediaType: 'application/vnd.docker.distribution.manifest.v2+json', digest: 'sha256:c0669ef34cdc14332c0f1ab0c2c01acb91d96014b172f1a76f3a39e63d1f0bda', size: 528 };
    const verify = (file: string, document: TrustPolicyDocument) => new NotaryEnvelopeVerifier({ trustPolicy: document, trustStore: store })
        .verify({ envelope: read(join(GO, 'timestamp', file)), envelopeMediaType: file.startsWith('cose') ? COSE_ENVELOPE : JWS_ENVELOPE, subject, repositoryUri: 'localhost:5000/net-monitor' });
    const withTsa = policy(['ca:valid-trust-store', 'tsa:test-timestamp'], { verifyTimestamp: 'always' });

    test.each(['jwsWithTimestamp.sig', 'coseWithTimestamp.sig', 'jwsExpiredWithTimestamp.sig', 'coseExpiredWithTimestamp.sig'])(
        '%s with a tsa store: notation verifies the RFC 3161 timestamp; acr-guard cannot, so error (never valid)', (file) => {
            const result = verify(file, withTsa);
            expect(result.verdict).toBe('error');
            expect(result.reason).toMatch(/^authenticTimestamp validation failed: the signature carries an RFC 3161 timestamp countersignature, which acr-guard does not verify/);
        },
    );

    test('withoutTimestamp.sig with a tsa store and verifyTimestamp always: no timestamp countersignature was found', () => {
        expect(verify('withoutTimestamp.sig', withTsa)).toMatchObject({ verdict: 'invalid', reason: 'authenticTimestamp validation failed: no timestamp countersignature was found in the signature envelope' });
    });

    test('coseExpiredWithTimestamp.sig with ca:valid-trust-store only: the certificate (CN=testTSA) expired at 2024-06-18 07:30:31', () => {
        const result = verify('coseExpiredWithTimestamp.sig', policy(['ca:valid-trust-store']));
        expect(result.verdict).toBe('invalid');
        expect(result.reason).toBe('authenticTimestamp validation failed: verification time is after certificate "CN=testTSA,O=Notary,L=Seattle,ST=WA,C=US" validity period, it was expired at 2024-06-18T07:30:31.000Z');
    });

    test.each(['jwsWithTimestamp.sig', 'coseWithTimestamp.sig', 'withoutTimestamp.sig'])(
        '%s without a tsa store: the CN=alpine chain (2023-2033) is valid now, so the signature is valid', (file) => {
            expect(verify(file, policy(['ca:valid-trust-store']))).toMatchObject({ verdict: 'valid', signer: expect.stringContaining('CN=alpine') });
        },
    );

    test('a COSE envelope with one payload byte changed fails integrity', () => {
        const bytes = Buffer.from(read(join(GO, 'timestamp', 'coseWithTimestamp.sig')));
        const at = bytes.indexOf(Buffer.from('c0669ef3'));
        bytes[at] = 'd'.charCodeAt(0);
        const result = new NotaryEnvelopeVerifier({ trustPolicy: policy(['ca:valid-trust-store']), trustStore: store })
            .verify({ envelope: bytes, envelopeMediaType: COSE_ENVELOPE, subject, repositoryUri: 'localhost:5000/net-monitor' });
        expect(result).toMatchObject({ verdict: 'invalid', reason: 'integrity validation failed: the signature is invalid' });
    });
});

describe('notation-go registry-test envelopes (internal/testdata)', () => {
    // No verify expectation upstream: here the self-signed CN=alpine certificate is pinned as its own trust anchor.
    const subject = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'sha256:19dbd2e48e921426ee8ace4dc892edfb2ecdc1d1a72d5416c83670c30acecef0', size: 481 };

    test.each([['jws_signature.sig', JWS_ENVELOPE], ['cose_signature.sig', COSE_ENVELOPE]])('%s parses, and verifies with its own certificate pinned', (file, mediaType) => {
        const bytes = read(join(GO, 'envelopes', file));
        const parsed = mediaType === JWS_ENVELOPE ? parseJwsEnvelope(bytes) : parseCoseEnvelope(bytes);
        if (!parsed.ok) throw new Error(parsed.reason);
        expect(parsed.envelope).toMatchObject({ algorithm: 'PS256', signedAttributes: { signingScheme: 'notary.x509' }, hasTimestampSignature: false });
        const store = new TrustStore().add('ca', 'pinned', [parsed.envelope.certificateChain.at(-1)!]);
        const result = new NotaryEnvelopeVerifier({ trustPolicy: policy(['ca:pinned']), trustStore: store }).verify({ envelope: bytes, envelopeMediaType: mediaType, subject, repositoryUri: 'localhost:5000/alpine' });
        expect(result).toMatchObject({ verdict: 'valid', signer: expect.stringContaining('CN=alpine') });
    });

    test('a COSE envelope handed over as JWS (and the reverse) is malformed, not valid', () => {
        const verifier = new NotaryEnvelopeVerifier({ trustPolicy: policy(['ca:any']), trustStore: new TrustStore().add('ca', 'any', [read(join(E2E, 'localkeys', 'e2e.crt')).toString()]) });
        expect(verifier.verify({ envelope: read(join(GO, 'envelopes', 'cose_signature.sig')), envelopeMediaType: JWS_ENVELOPE, subject, repositoryUri: 'a.io/b' }).reason).toMatch(/^integrity validation failed: the JWS envelope is not UTF-8 JSON/);
        expect(verifier.verify({ envelope: read(join(GO, 'envelopes', 'jws_signature.sig')), envelopeMediaType: COSE_ENVELOPE, subject, repositoryUri: 'a.io/b' }).reason).toMatch(/^integrity validation failed: the COSE envelope is not /);
    });
});

describe('notation CLI e2e OCI layouts (test/e2e/suite/trustpolicy/verification_level.go)', () => {
    const subject = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9', size: 517 };
    const trustPolicy = (file: string) => parseTrustPolicy(readJson(join(E2E, 'trustpolicies', file)));
    const e2eStore = (certificate = 'e2e.crt') => new TrustStore().add('ca', 'e2e', [readFileSync(join(E2E, 'localkeys', certificate), 'utf8')]);
    const verifyLayout = (layout: string, policyFile: string, store = e2eStore()) => new ReferrerNotarySignatureVerifier(
        MemoryReferrerRegistry.fromOciLayout(join(E2E, 'oci_layout', layout)),
        new NotaryEnvelopeVerifier({ trustPolicy: trustPolicy(policyFile), trustStore: store }),
    ).verify({ registry: 'localhost:5000', repository: 'e2e', descriptor: subject });

    test('e2e-valid-signature verifies with the base options (trustpolicy.json, ca:e2e)', async () => {
        await expect(verifyLayout('e2e-valid-signature', 'trustpolicy.json')).resolves.toEqual({
            verdict: 'valid',
            reason: 'signed by "CN=e2e,O=Notary,L=Seattle,ST=WA,C=US", trusted by statement "e2e"',
            signer: 'CN=e2e,O=Notary,L=Seattle,ST=WA,C=US',
            signatureDigest: 'sha256:90ceaff260d657d797c408ac73564a9c7bb9d86055877c2a811f0e63b8c6524f',
        });
    });

    test('e2e-valid-signature with new_e2e.crt as the trust store: authenticity validation failed', async () => {
        const result = await verifyLayout('e2e-valid-signature', 'trustpolicy.json', e2eStore('new_e2e.crt'));
        expect(result.verdict).toBe('invalid');
        expect(result.reason).toMatch(/authenticity validation failed: the signature's certificate chain does not contain any trusted certificate/);
    });

    test('e2e-invalid-signature (an 18-byte text layer instead of an envelope): integrity validation failed', async () => {
        const result = await verifyLayout('e2e-invalid-signature', 'trustpolicy.json');
        expect(result.verdict).toBe('invalid');
        expect(result.reason).toMatch(/integrity validation failed: the signature envelope media type application\/vnd.oci.image.layer.v1.tar is not/);
    });

    test('e2e-expired-signature strict: expiry validation failed', async () => {
        const result = await verifyLayout('e2e-expired-signature', 'trustpolicy.json');
        expect(result.verdict).toBe('invalid');
        expect(result.reason).toMatch(/expiry validation failed: digital signature has expired on /);
    });

    test('e2e-expired-signature permissive: valid, expiry only logged', async () => {
        const result = await verifyLayout('e2e-expired-signature', 'permissive_trustpolicy.json');
        expect(result.verdict).toBe('valid');
        expect(result.reason).toMatch(/logged, not enforced: expiry validation failed: digital signature has expired/);
    });

    test('e2e-with-expired-cert strict (expired_e2e.crt trusted): authenticTimestamp validation failed', async () => {
        const result = await verifyLayout('e2e-with-expired-cert', 'trustpolicy.json', e2eStore('expired_e2e.crt'));
        expect(result.verdict).toBe('invalid');
        expect(result.reason).toMatch(/authenticTimestamp validation failed: verification time is after certificate ".*" validity period, it was expired at 2023-06-27T06:10:00.000Z/);
    });

    test('e2e-with-expired-cert permissive: valid with the expiry of the certificate logged', async () => {
        const result = await verifyLayout('e2e-with-expired-cert', 'permissive_trustpolicy.json', e2eStore('expired_e2e.crt'));
        expect(result.verdict).toBe('valid');
        expect(result.reason).toMatch(/logged, not enforced: authenticTimestamp validation failed: verification time is after certificate/);
    });

    test('invalid_trust_store_trustpolicy.json names a store that does not exist: error (fail closed)', async () => {
        const result = await verifyLayout('e2e-valid-signature', 'invalid_trust_store_trustpolicy.json');
        expect(result).toMatchObject({ verdict: 'error' });
        expect(result.reason).toMatch(/trust store ca:invalid_store named by statement "e2e" does not exist/);
    });

    test('timestamp_trustpolicy.json (tsa:e2e) parses; trustpolicy.blob.json (no registryScopes) is not an OCI policy', () => {
        expect(trustPolicy('timestamp_trustpolicy.json').trustPolicies[0]?.signatureVerification.verifyTimestamp).toBe('always');
        expect(() => trustPolicy('trustpolicy.blob.json')).toThrow(/registryScopes/);
    });

    test.each(['e2e-valid-signature', 'e2e-expired-signature', 'e2e-with-expired-cert', 'e2e-with-timestamped-signature'])(
        '%s: the signature manifest parses and its thumbprint annotation is the SHA-256 of its x5c chain', async (layout) => {
            const registry = MemoryReferrerRegistry.fromOciLayout(join(E2E, 'oci_layout', layout));
            const manifests = [...registry.manifests.values()].map(({ bytes }) => parseSignatureManifest(bytes)).filter((parsed) => parsed.ok);
            expect(manifests).toHaveLength(1);
            const manifest = manifests[0]!;
            if (!manifest.ok) throw new Error('unreachable');
            const envelope = parseJwsEnvelope(registry.blobs.get(manifest.envelope.digest)!);
            if (!envelope.ok) throw new Error(envelope.reason);
            expect(manifest.manifest.annotations?.['io.cncf.notary.x509chain.thumbprint#S256']).toBe(chainThumbprints(envelope.envelope.certificateChain));
        },
    );
});
