/**
 * The app's signer: a JWS envelope and signature manifest exactly as the Notary Project specifies,
 * signed through the RemoteSigner port (here a key pair and CA made at test time), pushed to a
 * registry by digest, and verified by the verifier with the trust store holding the test root.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { OCI_EMPTY_DIGEST } from '../../shared/signing/mediaTypes';
import { NotarySigner } from '../../shared/signing/notarySigner';
import { NotaryEnvelopeVerifier } from '../../shared/signing/notaryVerifier';
import type { SignatureSubject } from '../../shared/signing/ports';
import { ReferrerNotarySignatureVerifier } from '../../shared/signing/referrerSignatureVerifier';
import { parseTrustPolicy } from '../../shared/signing/trustPolicy';
import { TrustStore } from '../../shared/signing/trustStore';
import { LocalRemoteSigner } from '../support/localRemoteSigner';
import { MemoryReferrerRegistry } from '../support/memoryReferrerRegistry';
import { generateKey, testPki, type KeySpec } from '../support/testCertificateAuthority';

const image = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: {}, layers: [] }));
const subject: SignatureSubject = {
    registry: 'guarded.azurecr.io',
    repository: 'live/app',
    descriptor: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${createHash('sha256').update(image).digest('hex')}`, size: image.byteLength },
};
const fromBase64Url = (value: string) => JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Record<string, unknown>;

function trustPolicy(identities = ['x509.subject: C=US, ST=WA, O=acr-guard test, CN=acr-guard gate']) {
    return parseTrustPolicy({
        version: '1.0',
        trustPolicies: [{ name: 'acr-guard', registryScopes: ['guarded.azurecr.io/live/app'], signatureVerification: { level: 'strict' }, trustStores: ['ca:acr-guard'], trustedIdentities: identities }],
    });
}

async function signAndPush(key: KeySpec = { type: 'rsa', bits: 2048 }, options: { expirySeconds?: number } = {}) {
    const pki = testPki(key);
    const signer = new LocalRemoteSigner(pki.leaf.privateKey, pki.chain);
    const signature = await new NotarySigner({ signer, signingAgent: 'acr-guard/0.1.0', ...options }).sign(subject.descriptor);
    const registry = new MemoryReferrerRegistry();
    await registry.pushBlob(subject.repository, signature.config.descriptor.digest, signature.config.bytes);
    await registry.pushBlob(subject.repository, signature.envelopeDescriptor.digest, signature.envelope);
    await registry.pushManifest(subject.repository, signature.manifestDescriptor.digest, signature.manifestDescriptor.mediaType, signature.manifestBytes);
    const trustStore = new TrustStore().add('ca', 'acr-guard', [pki.root.der]);
    return { pki, signer, signature, registry, trustStore };
}

const verifierFor = (registry: MemoryReferrerRegistry, trustStore: TrustStore, identities?: string[], now?: () => Date) =>
    new ReferrerNotarySignatureVerifier(registry, new NotaryEnvelopeVerifier({ trustPolicy: trustPolicy(identities), trustStore, ...(now ? { now } : {}) }));

describe('NotarySigner envelope and manifest', () => {
    test('the JWS envelope has exactly payload, protected, header and signature, with the spec\'s headers', async () => {
        const { signature, pki, signer } = await signAndPush();
        const envelope = JSON.parse(Buffer.from(signature.envelope).toString('utf8')) as Record<string, unknown> & { header: { x5c: string[] } };
        expect(Object.keys(envelope).sort()).toEqual(['header', 'payload', 'protected', 'signature']);
        const header = fromBase64Url(envelope.protected as string);
        expect(Object.keys(header).sort()).toEqual(['alg', 'crit', 'cty', 'io.cncf.notary.signingScheme', 'io.cncf.notary.signingTime']);
        expect(header).toMatchObject({ alg: 'PS256', cty: 'application/vnd.cncf.notary.payload.v1+json', crit: ['io.cncf.notary.signingScheme'], 'io.cncf.notary.signingScheme': 'notary.x509' });
        expect(header['io.cncf.notary.signingTime']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        expect(fromBase64Url(envelope.payload as string)).toEqual({ targetArtifact: subject.descriptor });
        expect(envelope.header).toEqual({ x5c: [Buffer.from(pki.leaf.der).toString('base64'), Buffer.from(pki.root.der).toString('base64')], 'io.cncf.notary.signingAgent': 'acr-guard/0.1.0' });
        expect(signer.requests).toHaveLength(1);
        expect(Buffer.from(signer.requests[0]!.signingInput).toString('ascii')).toBe(`${envelope.protected as string}.${envelope.payload as string}`);
    });

    test('the signature manifest has the shape of the spec\'s sample (artifactType, empty config, one JWS layer, subject, thumbprints)', async () => {
        const { signature, pki } = await signAndPush();
        const sample = JSON.parse(readFileSync('../shared/fixtures/notation/specifications/signature-manifest.artifactType.json', 'utf8')) as Record<string, unknown> & { config: object; layers: Array<{ mediaType: string }>; annotations: object };
        const manifest = JSON.parse(Buffer.from(signature.manifestBytes).toString('utf8')) as typeof sample;
        expect(Object.keys(manifest).sort()).toEqual(Object.keys(sample).sort());
        expect(manifest.config).toEqual(sample.config);
        expect(manifest).toMatchObject({ schemaVersion: 2, mediaType: sample.mediaType, artifactType: sample.artifactType, subject: subject.descriptor });
        expect(manifest.layers).toEqual([{ mediaType: 'application/jose+json', digest: signature.envelopeDescriptor.digest, size: signature.envelope.byteLength }]);
        expect(Object.keys(manifest.annotations)).toEqual(expect.arrayContaining(Object.keys(sample.annotations)));
        const fingerprints = [pki.leaf.der, pki.root.der].map((der) => createHash('sha256').update(der).digest('hex'));
        expect((manifest.annotations as Record<string, string>)['io.cncf.notary.x509chain.thumbprint#S256']).toBe(JSON.stringify(fingerprints));
        expect(signature.manifestDescriptor.digest).toBe(`sha256:${createHash('sha256').update(signature.manifestBytes).digest('hex')}`);
        expect(signature.config.descriptor.digest).toBe(OCI_EMPTY_DIGEST);
    });

    test('with an expiry, the protected header carries io.cncf.notary.expiry and marks it critical', async () => {
        const { signature } = await signAndPush(undefined, { expirySeconds: 3600 });
        const header = fromBase64Url((JSON.parse(Buffer.from(signature.envelope).toString()) as { protected: string }).protected);
        expect(header.crit).toEqual(['io.cncf.notary.signingScheme', 'io.cncf.notary.expiry']);
        expect(Date.parse(header['io.cncf.notary.expiry'] as string) - Date.parse(header['io.cncf.notary.signingTime'] as string)).toBe(3_600_000);
    });
});

describe('a signature made by the app verifies with the trust store, and only for its subject', () => {
    test.each<[string, string, KeySpec]>([
        ['RSA 2048', 'PS256', { type: 'rsa', bits: 2048 }],
        ['RSA 3072', 'PS384', { type: 'rsa', bits: 3072 }],
        ['P-256', 'ES256', { type: 'ec', curve: 'P-256' }],
        ['P-384', 'ES384', { type: 'ec', curve: 'P-384' }],
        ['P-521', 'ES512', { type: 'ec', curve: 'P-521' }],
    ])('%s key: alg %s chosen by the key, verified through the referrers of the subject', async (_name, algorithm, key) => {
        const { registry, trustStore, signature, signer } = await signAndPush(key);
        expect(signer.requests[0]!.algorithm).toBe(algorithm);
        await expect(verifierFor(registry, trustStore).verify(subject)).resolves.toEqual({
            verdict: 'valid',
            reason: 'signed by "CN=acr-guard gate,O=acr-guard test,L=Seattle,ST=WA,C=US", trusted by statement "acr-guard"',
            signer: 'CN=acr-guard gate,O=acr-guard test,L=Seattle,ST=WA,C=US',
            signatureDigest: signature.manifestDescriptor.digest,
        });
        expect(registry.calls.filter((call) => call.startsWith('push')).every((call) => / sha256:[a-f0-9]{64}$/.test(call))).toBe(true);
    });

    test('one byte of the payload changed: integrity validation failed', async () => {
        const { registry, trustStore, signature } = await signAndPush();
        const envelope = JSON.parse(Buffer.from(signature.envelope).toString()) as { payload: string };
        const payload = Buffer.from(envelope.payload, 'base64url');
        const at = payload.indexOf(Buffer.from('"size":')) + 7;
        payload[at] = payload[at] === 0x39 ? 0x38 : payload[at]! + 1;
        const tampered = Buffer.from(JSON.stringify({ ...envelope, payload: payload.toString('base64url') }));
        const result = new NotaryEnvelopeVerifier({ trustPolicy: trustPolicy(), trustStore }).verify({ envelope: tampered, envelopeMediaType: 'application/jose+json', subject: subject.descriptor, repositoryUri: 'guarded.azurecr.io/live/app' });
        expect(result).toMatchObject({ verdict: 'invalid', reason: 'integrity validation failed: the signature is invalid' });
        expect(registry.manifests.size).toBe(1);
    });

    test('one byte of the envelope\'s stored bytes changed: the blob no longer matches its digest', async () => {
        const { registry, trustStore, signature } = await signAndPush();
        const bytes = Buffer.from(signature.envelope);
        bytes[bytes.length - 3] = bytes[bytes.length - 3] === 0x41 ? 0x42 : 0x41;
        registry.blobs.set(signature.envelopeDescriptor.digest, bytes);
        const result = await verifierFor(registry, trustStore).verify(subject);
        expect(result.verdict).toBe('invalid');
        expect(result.reason).toMatch(/the signature envelope's bytes do not match its descriptor/);
    });

    test('one hex digit of the subject digest changed: no signature for that digest, and the envelope is over another artifact', async () => {
        const { registry, trustStore, signature } = await signAndPush();
        const digest = subject.descriptor.digest;
        const other = { ...subject, descriptor: { ...subject.descriptor, digest: `${digest.slice(0, -1)}${digest.endsWith('0') ? '1' : '0'}` } };
        await expect(verifierFor(registry, trustStore).verify(other)).resolves.toMatchObject({ verdict: 'invalid', reason: `live/app@${other.descriptor.digest} has no Notary Project signature` });
        const direct = new NotaryEnvelopeVerifier({ trustPolicy: trustPolicy(), trustStore }).verify({ envelope: signature.envelope, envelopeMediaType: 'application/jose+json', subject: other.descriptor, repositoryUri: 'guarded.azurecr.io/live/app' });
        expect(direct).toMatchObject({ verdict: 'invalid', reason: `the signature is over another artifact: its targetArtifact digest ${digest} is not the subject's ${other.descriptor.digest}` });
    });

    test('a trust store without the test root: authenticity validation failed', async () => {
        const { registry } = await signAndPush();
        const stranger = testPki();
        const result = await verifierFor(registry, new TrustStore().add('ca', 'acr-guard', [stranger.root.der])).verify(subject);
        expect(result.verdict).toBe('invalid');
        expect(result.reason).toMatch(/authenticity validation failed: the signature's certificate chain does not contain any trusted certificate/);
    });

    test('a trusted identity naming another CN: authenticity validation failed', async () => {
        const { registry, trustStore } = await signAndPush();
        const result = await verifierFor(registry, trustStore, ['x509.subject: C=US, ST=WA, O=acr-guard test, CN=someone else']).verify(subject);
        expect(result.reason).toMatch(/does not match the X.509 trusted identities defined in the trust policy "acr-guard"/);
    });

    test('an expiry in the past at verification time: expiry validation failed', async () => {
        const { registry, trustStore } = await signAndPush(undefined, { expirySeconds: 60 });
        const result = await verifierFor(registry, trustStore, undefined, () => new Date(Date.now() + 120_000)).verify(subject);
        expect(result).toMatchObject({ verdict: 'invalid', reason: expect.stringMatching(/^no valid signature: .*expiry validation failed: digital signature has expired on /) });
    });

    test('a repository outside every registry scope: no trust policy statement applies', async () => {
        const { registry, trustStore } = await signAndPush();
        const result = await verifierFor(registry, trustStore).verify({ ...subject, registry: 'other.azurecr.io' });
        expect(result.reason).toMatch(/no trust policy statement applies to other.azurecr.io\/live\/app/);
    });
});

describe('the signer refuses what would not verify', () => {
    test('a remote signer whose key is not the certificate\'s', async () => {
        const pki = testPki();
        const signer = new LocalRemoteSigner(generateKey().privateKey, pki.chain);
        await expect(new NotarySigner({ signer }).sign(subject.descriptor)).rejects.toThrow(/the remote signer returned a signature the signing certificate does not verify/);
    });

    test('a TLS server certificate (extendedKeyUsage serverAuth)', async () => {
        const pki = testPki({ type: 'rsa', bits: 2048 }, { extendedKeyUsage: 'serverAuth' });
        await expect(new NotarySigner({ signer: new LocalRemoteSigner(pki.leaf.privateKey, pki.chain) }).sign(subject.descriptor)).rejects.toThrow(/extendedKeyUsage 1.3.6.1.5.5.7.3.1 is not allowed for codeSigning/);
    });

    test('an expired certificate', async () => {
        const pki = testPki({ type: 'rsa', bits: 2048 }, { notBefore: new Date('2020-01-01T00:00:00Z'), notAfter: new Date('2021-01-01T00:00:00Z') });
        await expect(new NotarySigner({ signer: new LocalRemoteSigner(pki.leaf.privateKey, pki.chain) }).sign(subject.descriptor)).rejects.toThrow(/cannot sign: verification time is after certificate/);
    });

    test('a subject named by something other than a digest', async () => {
        const pki = testPki();
        await expect(new NotarySigner({ signer: new LocalRemoteSigner(pki.leaf.privateKey, pki.chain) }).sign({ ...subject.descriptor, digest: 'latest' })).rejects.toThrow(/cannot sign: digest "latest" is not a valid sha256 or sha512 digest/);
    });
});

