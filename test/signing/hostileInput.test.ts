/**
 * Hostile and broken input: a referrer whose subject is another digest, a signature over another
 * digest, oversized and malformed manifests and envelopes, a registry that fails or floods. Every
 * case ends in `invalid` or `error` with its reason, never `valid`.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, test } from 'vitest';
import { Tagged } from 'cbor';
import { encodeCbor } from '../../shared/signing/cbor';
import type { OciDescriptor } from '../../shared/signing/descriptor';
import { MAX_ENVELOPE_BYTES, MAX_MANIFEST_BYTES, MAX_SIGNATURES_EXAMINED } from '../../shared/signing/limits';
import { COSE_ENVELOPE, JWS_ENVELOPE, NOTARY_SIGNATURE_ARTIFACT_TYPE, OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from '../../shared/signing/mediaTypes';
import { NotarySigner, type NotarySignature } from '../../shared/signing/notarySigner';
import { NotaryEnvelopeVerifier } from '../../shared/signing/notaryVerifier';
import type { SignatureSubject } from '../../shared/signing/ports';
import { ReferrerNotarySignatureVerifier } from '../../shared/signing/referrerSignatureVerifier';
import { parseTrustPolicy } from '../../shared/signing/trustPolicy';
import { TrustStore } from '../../shared/signing/trustStore';
import { LocalRemoteSigner } from '../support/localRemoteSigner';
import { MemoryReferrerRegistry } from '../support/memoryReferrerRegistry';
import { testPki } from '../support/testCertificateAuthority';

const sha256 = (bytes: Uint8Array | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const imageA = { mediaType: OCI_IMAGE_MANIFEST, digest: sha256('image A'), size: 7 };
const imageB = { mediaType: OCI_IMAGE_MANIFEST, digest: sha256('image B'), size: 7 };
const subjectOf = (descriptor: typeof imageA): SignatureSubject => ({ registry: 'guarded.azurecr.io', repository: 'live/app', descriptor });
const trustPolicy = parseTrustPolicy({ version: '1.0', trustPolicies: [{ name: 'gate', registryScopes: ['*'], signatureVerification: { level: 'strict' }, trustStores: ['ca:gate'], trustedIdentities: ['*'] }] });

/** A registry that answers every referrers query with every manifest it holds, whatever their subject. */
class LyingRegistry extends MemoryReferrerRegistry {
    override async listReferrers(): Promise<OciDescriptor[]> {
        return [...this.manifests].map(([digest, { mediaType, bytes }]) => ({ mediaType, digest, size: bytes.byteLength, artifactType: NOTARY_SIGNATURE_ARTIFACT_TYPE }));
    }
}

let trustStore: TrustStore;
let signatureOfA: NotarySignature;
let envelopeVerifier: NotaryEnvelopeVerifier;

beforeAll(async () => {
    const pki = testPki({ type: 'ec', curve: 'P-256' });
    trustStore = new TrustStore().add('ca', 'gate', [pki.root.der]);
    signatureOfA = await new NotarySigner({ signer: new LocalRemoteSigner(pki.leaf.privateKey, pki.chain) }).sign(imageA);
    envelopeVerifier = new NotaryEnvelopeVerifier({ trustPolicy, trustStore });
});

async function registryWith(registry: MemoryReferrerRegistry, signature: NotarySignature, manifestBytes = signature.manifestBytes) {
    await registry.pushBlob('live/app', signature.envelopeDescriptor.digest, signature.envelope);
    registry.putRaw(sha256(manifestBytes), OCI_IMAGE_MANIFEST, manifestBytes);
    return registry;
}

const verifyThrough = (registry: MemoryReferrerRegistry, subject: SignatureSubject) => new ReferrerNotarySignatureVerifier(registry, envelopeVerifier).verify(subject);

describe('referrers that are not about our subject', () => {
    test('a referrer whose subject is another digest (the registry lists it anyway): invalid', async () => {
        const registry = await registryWith(new LyingRegistry(), signatureOfA);
        const result = await verifyThrough(registry, subjectOf(imageB));
        expect(result.verdict).toBe('invalid');
        expect(result.reason).toContain(`the signature manifest's subject is ${imageA.digest}, not ${imageB.digest}`);
    });

    test('a valid envelope over A re-wrapped in a manifest whose subject is B: the signature is over another artifact', async () => {
        const rewrapped = Buffer.from(JSON.stringify({ ...signatureOfA.manifest, subject: imageB }));
        const registry = await registryWith(new MemoryReferrerRegistry(), signatureOfA, rewrapped);
        const result = await verifyThrough(registry, subjectOf(imageB));
        expect(result.verdict).toBe('invalid');
        expect(result.reason).toContain(`the signature is over another artifact: its targetArtifact digest ${imageA.digest} is not the subject's ${imageB.digest}`);
    });

    test('the same digest with another size or media type: the signature is over another artifact', () => {
        for (const subject of [{ ...imageA, size: 8 }, { ...imageA, mediaType: 'application/vnd.oci.image.index.v1+json' }]) {
            const result = envelopeVerifier.verify({ envelope: signatureOfA.envelope, envelopeMediaType: JWS_ENVELOPE, subject, repositoryUri: 'guarded.azurecr.io/live/app' });
            expect(result).toMatchObject({ verdict: 'invalid', reason: expect.stringMatching(/^the signature is over another artifact: its targetArtifact (size|media type)/) });
        }
    });

    test('a referrer that is an index, or whose manifest bytes do not match its digest: invalid', async () => {
        const registry = new LyingRegistry();
        registry.putRaw(sha256('x'), OCI_IMAGE_INDEX, Buffer.from('{}'));
        registry.putRaw(sha256('not these bytes'), OCI_IMAGE_MANIFEST, signatureOfA.manifestBytes);
        const result = await verifyThrough(registry, subjectOf(imageA));
        expect(result.verdict).toBe('invalid');
        expect(result.reason).toContain(`is a ${OCI_IMAGE_INDEX}, not an OCI image manifest`);
        expect(result.reason).toContain('the signature manifest\'s bytes do not match its digest');
    });
});

describe('oversized input is refused before it is read', () => {
    test(`an envelope layer larger than ${MAX_ENVELOPE_BYTES} bytes`, async () => {
        const manifest = { ...signatureOfA.manifest, layers: [{ ...signatureOfA.envelopeDescriptor, size: MAX_ENVELOPE_BYTES + 1 }] };
        const registry = await registryWith(new MemoryReferrerRegistry(), signatureOfA, Buffer.from(JSON.stringify(manifest)));
        const result = await verifyThrough(registry, subjectOf(imageA));
        expect(result.reason).toContain(`the signature envelope is ${MAX_ENVELOPE_BYTES + 1} bytes, more than the limit of ${MAX_ENVELOPE_BYTES}`);
        expect(registry.calls.some((call) => call.startsWith('fetchBlob'))).toBe(false);
    });

    test(`a signature manifest larger than ${MAX_MANIFEST_BYTES} bytes`, async () => {
        class HugeReferrer extends MemoryReferrerRegistry {
            override async listReferrers(): Promise<OciDescriptor[]> {
                return [{ mediaType: OCI_IMAGE_MANIFEST, digest: sha256('huge'), size: MAX_MANIFEST_BYTES + 1, artifactType: NOTARY_SIGNATURE_ARTIFACT_TYPE }];
            }
        }
        const registry = new HugeReferrer();
        const result = await verifyThrough(registry, subjectOf(imageA));
        expect(result).toMatchObject({ verdict: 'invalid' });
        expect(result.reason).toContain(`more than the limit of ${MAX_MANIFEST_BYTES}`);
        expect(registry.calls.some((call) => call.startsWith('fetchManifest'))).toBe(false);
    });

    test('an envelope passed directly that is over the limit', () => {
        const result = envelopeVerifier.verify({ envelope: Buffer.alloc(MAX_ENVELOPE_BYTES + 1, 0x20), envelopeMediaType: JWS_ENVELOPE, subject: imageA, repositoryUri: 'a.io/b' });
        expect(result).toMatchObject({ verdict: 'invalid', reason: `integrity validation failed: the envelope is ${MAX_ENVELOPE_BYTES + 1} bytes, more than the limit of ${MAX_ENVELOPE_BYTES}` });
    });

    test(`a flood of signatures: at most ${MAX_SIGNATURES_EXAMINED} are examined`, async () => {
        class Flood extends MemoryReferrerRegistry {
            override async listReferrers(): Promise<OciDescriptor[]> {
                return Array.from({ length: MAX_SIGNATURES_EXAMINED + 6 }, (_, index) => ({ mediaType: OCI_IMAGE_MANIFEST, digest: sha256(String(index)), size: 10, artifactType: NOTARY_SIGNATURE_ARTIFACT_TYPE }));
            }
        }
        const registry = new Flood();
        const result = await verifyThrough(registry, subjectOf(imageA));
        expect(result.verdict).toBe('error');
        expect(result.reason).toContain(`6 more signatures not examined (limit ${MAX_SIGNATURES_EXAMINED})`);
        expect(registry.calls.filter((call) => call.startsWith('fetchManifest'))).toHaveLength(MAX_SIGNATURES_EXAMINED);
    });
});

describe('malformed JWS envelopes: integrity validation failed, with the reason', () => {
    const envelope = () => JSON.parse(Buffer.from(signatureOfA.envelope).toString()) as Record<string, unknown> & { protected: string; header: Record<string, unknown> };
    const withHeader = (change: (header: Record<string, unknown>) => void) => {
        const value = envelope();
        const header = JSON.parse(Buffer.from(value.protected, 'base64url').toString()) as Record<string, unknown>;
        change(header);
        return JSON.stringify({ ...value, protected: Buffer.from(JSON.stringify(header)).toString('base64url') });
    };
    const cases: Array<[string, () => string, RegExp]> = [
        ['empty', () => '', /not UTF-8 JSON/],
        ['a JSON array', () => '[]', /not a flattened JWS JSON serialization/],
        ['an extra top-level member', () => JSON.stringify({ ...envelope(), signatures: [] }), /not a flattened JWS JSON serialization/],
        ['no x5c', () => JSON.stringify({ ...envelope(), header: {} }), /header.x5c/],
        ['x5c that is not a certificate', () => JSON.stringify({ ...envelope(), header: { x5c: ['AAAA'] } }), /certificate 0 of the chain is not a valid X.509 certificate/],
        ['eleven certificates', () => { const value = envelope(); return JSON.stringify({ ...value, header: { x5c: Array(11).fill((value.header.x5c as string[])[0]) } }); }, /11 certificates, more than the limit of 10/],
        ['alg none', () => withHeader((header) => { header.alg = 'none'; }), /alg "none" is not one the Notary Project allows/],
        ['alg HS256', () => withHeader((header) => { header.alg = 'HS256'; }), /alg "HS256" is not one/],
        ['alg substituted (PS256 for an EC key)', () => withHeader((header) => { header.alg = 'PS256'; }), /the envelope claims PS256 but the signing key requires ES256/],
        ['another cty', () => withHeader((header) => { header.cty = 'application/json'; }), /cty "application\/json" is not application\/vnd.cncf.notary.payload.v1\+json/],
        ['no crit', () => withHeader((header) => { delete header.crit; }), /no crit array/],
        ['crit without the signing scheme', () => withHeader((header) => { header.crit = []; }), /io.cncf.notary.signingScheme must be marked critical/],
        ['an unknown critical header', () => withHeader((header) => { header.crit = ['io.cncf.notary.signingScheme', 'com.example.mustUnderstand']; header['com.example.mustUnderstand'] = 1; }), /the critical attribute com.example.mustUnderstand is not understood/],
        ['a verification plugin', () => withHeader((header) => { header.crit = ['io.cncf.notary.signingScheme', 'io.cncf.notary.verificationPlugin']; header['io.cncf.notary.verificationPlugin'] = 'com.example.plugin'; }), /requires the verification plugin attribute/],
        ['an expiry not marked critical', () => withHeader((header) => { header['io.cncf.notary.expiry'] = '2000-01-01T00:00:00Z'; }), /io.cncf.notary.expiry is present but not marked critical/],
        ['a signing time that is not RFC 3339', () => withHeader((header) => { header['io.cncf.notary.signingTime'] = 'yesterday'; }), /io.cncf.notary.signingTime is not an RFC 3339 date-time/],
        ['an unknown signing scheme', () => withHeader((header) => { header['io.cncf.notary.signingScheme'] = 'notary.x509.custom'; }), /signing scheme "notary.x509.custom" is not/],
        ['a registered header in crit', () => withHeader((header) => { header.crit = ['io.cncf.notary.signingScheme', 'alg']; }), /crit lists a registered JWS header/],
        ['a payload that is not base64url', () => JSON.stringify({ ...envelope(), payload: 'e30=+/' }), /the payload is not base64url/],
        ['a signature that is not base64url', () => JSON.stringify({ ...envelope(), signature: '!!' }), /the signature is not base64url/],
        ['a header that changed after signing', () => withHeader((header) => { header['io.cncf.notary.signingTime'] = '2020-01-01T00:00:00Z'; }), /the signature is invalid/],
    ];
    test.each(cases)('%s', (_name, build, reason) => {
        const result = envelopeVerifier.verify({ envelope: Buffer.from(build()), envelopeMediaType: JWS_ENVELOPE, subject: imageA, repositoryUri: 'a.io/b' });
        expect(result.verdict).toBe('invalid');
        expect(result.reason).toMatch(/^integrity validation failed: /);
        expect(result.reason).toMatch(reason);
    });

    test('a payload that verifies but is not {targetArtifact}', async () => {
        const pki = testPki({ type: 'ec', curve: 'P-256' });
        const signer = new LocalRemoteSigner(pki.leaf.privateKey, pki.chain);
        const signed = await new NotarySigner({ signer }).sign(imageA);
        const value = JSON.parse(Buffer.from(signed.envelope).toString()) as { protected: string; payload: string };
        const payload = Buffer.from(JSON.stringify({ targetArtifact: { digest: imageA.digest } })).toString('base64url');
        const input = Buffer.from(`${value.protected}.${payload}`, 'ascii');
        const signature = await signer.sign({ signingInput: input, digest: createHash('sha256').update(input).digest(), algorithm: 'ES256' });
        const envelope = Buffer.from(JSON.stringify({ ...value, payload, signature: Buffer.from(signature).toString('base64url') }));
        const result = new NotaryEnvelopeVerifier({ trustPolicy, trustStore: new TrustStore().add('ca', 'gate', [pki.root.der]) }).verify({ envelope, envelopeMediaType: JWS_ENVELOPE, subject: imageA, repositoryUri: 'a.io/b' });
        expect(result).toMatchObject({ verdict: 'invalid', reason: expect.stringMatching(/^integrity validation failed: the signed payload is not \{targetArtifact: descriptor\}: targetArtifact.mediaType/) });
    });
});

describe('malformed COSE envelopes: integrity validation failed', () => {
    const cases: Array<[string, Uint8Array, RegExp]> = [
        ['random bytes', Buffer.from('ffffffff', 'hex'), /the COSE envelope is (not CBOR|not a COSE_Sign1_Tagged)/],
        ['an untagged array', encodeCbor([Buffer.alloc(1), new Map(), Buffer.alloc(1), Buffer.alloc(1)]), /not a COSE_Sign1_Tagged object/],
        ['three items', encodeCbor(new Tagged(18, [Buffer.alloc(1), new Map(), Buffer.alloc(1)])), /array of four items/],
        ['a detached payload', encodeCbor(new Tagged(18, [encodeCbor(new Map([[1, -7]])), new Map(), null, Buffer.alloc(64)])), /payload is missing or detached/],
        ['alg HMAC 256/256', encodeCbor(new Tagged(18, [encodeCbor(new Map([[1, 5]])), new Map(), Buffer.from('{}'), Buffer.alloc(32)])), /COSE alg 5 is not one/],
        ['crit with a common label', encodeCbor(new Tagged(18, [encodeCbor(new Map<unknown, unknown>([[1, -7], [2, [1]], [3, 'application/vnd.cncf.notary.payload.v1+json']])), new Map(), Buffer.from('{}'), Buffer.alloc(64)])), /crit lists a COSE common header parameter/],
    ];
    test.each(cases)('%s', (_name, bytes, reason) => {
        const result = envelopeVerifier.verify({ envelope: bytes, envelopeMediaType: COSE_ENVELOPE, subject: imageA, repositoryUri: 'a.io/b' });
        expect(result.verdict).toBe('invalid');
        expect(result.reason).toMatch(reason);
    });

    test('an envelope media type that is neither JWS nor COSE', () => {
        expect(envelopeVerifier.verify({ envelope: signatureOfA.envelope, envelopeMediaType: 'application/json', subject: imageA, repositoryUri: 'a.io/b' }).reason).toMatch(/media type "application\/json" is not/);
    });
});

describe('when nothing can be concluded: error, never valid', () => {
    test('the registry fails', async () => {
        const registry = await registryWith(new MemoryReferrerRegistry(), signatureOfA);
        registry.failWith = new Error('503 Service Unavailable');
        await expect(verifyThrough(registry, subjectOf(imageA))).resolves.toEqual({ verdict: 'error', reason: `listing the referrers of ${imageA.digest} failed: 503 Service Unavailable`, signer: null });
    });

    test('the envelope blob is missing', async () => {
        const registry = new MemoryReferrerRegistry();
        registry.putRaw(signatureOfA.manifestDescriptor.digest, OCI_IMAGE_MANIFEST, signatureOfA.manifestBytes);
        const result = await verifyThrough(registry, subjectOf(imageA));
        expect(result).toMatchObject({ verdict: 'error', reason: expect.stringContaining('reading the signature envelope failed') });
    });

    test('a subject that is not a digest or a repository that is not a name', async () => {
        const registry = await registryWith(new MemoryReferrerRegistry(), signatureOfA);
        expect((await verifyThrough(registry, subjectOf({ ...imageA, digest: 'latest' }))).verdict).toBe('error');
        expect((await verifyThrough(registry, { ...subjectOf(imageA), repository: '../etc' })).verdict).toBe('error');
        expect(registry.calls.filter((call) => call.startsWith('listReferrers'))).toHaveLength(0);
    });

    test('no signature at all is invalid, and the same signature still verifies for its own subject', async () => {
        const registry = await registryWith(new MemoryReferrerRegistry(), signatureOfA);
        await expect(verifyThrough(new MemoryReferrerRegistry(), subjectOf(imageA))).resolves.toMatchObject({ verdict: 'invalid', reason: `live/app@${imageA.digest} has no Notary Project signature` });
        await expect(verifyThrough(registry, subjectOf(imageA))).resolves.toMatchObject({ verdict: 'valid' });
    });
});
