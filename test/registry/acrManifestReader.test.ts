import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { classifyManifest } from '../../shared/oci/artifactKind';
import { planIndex } from '../../shared/oci/indexChildren';
import { parseManifest, type ImageIndex } from '../../shared/oci/manifest';
import { AcrManifestReader } from '../../shared/registry/acrManifestReader';
import { RegistryError } from '../../shared/registry/registry';
import { startAcrServer, type AcrServer } from '../acr-server/acrServer';
import { testAcrConnection } from '../support/testAzureAccess';

/*
 * The manifest-reader adapter over the ACR data plane (ContainerRegistryContentClient.getManifest,
 * ACR's token flow) against the local registry, which stores manifests byte for byte.
 */
let server: AcrServer;
let reader: AcrManifestReader;

beforeAll(async () => {
    server = await startAcrServer({ azuriteConnectionString: inject('azuriteConnectionString') });
    reader = new AcrManifestReader(testAcrConnection(server));
});

afterAll(async () => {
    await server?.close();
});

describe('AcrManifestReader', () => {
    it('reads an OCI index, its platform children and its buildx attestation manifests byte for byte, each classified as what it is', async () => {
        const pushed = server.registry.putIndex({
            repository: 'quarantine/reader',
            tags: ['1.0'],
            platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }],
            attestations: true,
        });
        const index = await reader.read('quarantine/reader', pushed.digest);
        expect(index.digest).toBe(pushed.digest);
        expect(index.contentType).toBe('application/vnd.oci.image.index.v1+json');
        expect(index.bytes.equals(server.registry.resolve('quarantine/reader', pushed.digest)!.content)).toBe(true);

        const parsed = parseManifest(index.bytes, index.contentType) as ImageIndex;
        expect(classifyManifest(parsed).kind).toBe('index');
        const plan = planIndex(parsed);
        expect(plan.images.map((c) => [c.digest, c.platform])).toEqual(pushed.children.map((c) => [c.digest, c.platform]));
        expect(plan.attestations).toEqual(pushed.attestations.map((a) => ({ digest: a.digest, describes: a.describes })));
        expect(plan.unsupported).toEqual([]);

        for (const child of pushed.children) {
            const raw = await reader.read('quarantine/reader', child.digest);
            expect(classifyManifest(parseManifest(raw.bytes, raw.contentType)).kind).toBe('image');
        }
        for (const attestation of pushed.attestations) {
            const raw = await reader.read('quarantine/reader', attestation.digest);
            expect(classifyManifest(parseManifest(raw.bytes, raw.contentType)).kind).toBe('attestation');
        }
    });

    it('fails with RegistryError: not-found for a digest the repository does not have, invalid-input for a bad name, before any request', async () => {
        const missing = `sha256:${'0'.repeat(64)}`;
        await expect(reader.read('quarantine/reader', missing)).rejects.toMatchObject({ code: 'not-found' });
        const before = server.requests.length;
        await expect(reader.read('quarantine/reader;rm', missing)).rejects.toBeInstanceOf(RegistryError);
        await expect(reader.read('quarantine/reader', 'latest')).rejects.toMatchObject({ code: 'invalid-input' });
        expect(server.requests.length).toBe(before);
    });
});
