import { randomBytes } from 'node:crypto';
import { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_POLICY } from '../../shared/policy/gatePolicy';
import type { ScanPipeline } from '../../shared/scan/scanPipeline';
import { startAcrServer, type AcrServer } from '../acr-server/acrServer';
import { trivyImageScanRun } from '../acr-server/trivyScanRun';
import { freshStore } from '../results/support';
import { helmChart, pushOciManifest, runnableImage } from './artifactPush';
import { RecordingVerdictObserver, scanRequest, scanToEnd, testPipeline, trivyFixture } from './support';

/*
 * docs/artifacts.md through the scan pipeline: what is not a single image is classified from its
 * manifest (read from the local registry) before anything is scheduled.
 */
const MAX = 3;
let server: AcrServer;
let store: Awaited<ReturnType<typeof freshStore>>['store'];
let pipeline: ScanPipeline;
let queue: QueueClient;
const observer = new RecordingVerdictObserver();

beforeAll(async () => {
    const azurite = inject('azuriteConnectionString');
    server = await startAcrServer({ azuriteConnectionString: azurite });
    server.onRun(trivyImageScanRun(() => trivyFixture('cns-website-alpine-3.17-novulns.json')));
    ({ store } = await freshStore(azurite));
    ({ pipeline, queue } = await testPipeline(server, azurite, { store, policy: DEFAULT_POLICY, observers: [observer], maxDequeueCount: MAX }));
});

afterAll(async () => {
    await server?.close();
});

const scan = (repository: string, digest: string, tag: string | null = '1.0') => scanToEnd(pipeline, queue, scanRequest(server.loginServer, repository, digest, { tag }), { maxDequeueCount: MAX });

describe('artifacts that are not images', () => {
    it('holds a Helm chart in quarantine with a fail verdict saying why; nothing is scanned', async () => {
        const digest = pushOciManifest(server, 'quarantine/charts/app', '1.0.0', helmChart());
        const runs = server.runs().length;
        const { final } = await scan('quarantine/charts/app', digest, '1.0.0');
        expect(final).toMatchObject({ status: 'held', verdict: { outcome: 'fail', reasons: [{ code: 'helm-chart-held' }] } });
        expect(server.runs()).toHaveLength(runs);
        expect((await store.getSummary(digest))?.verdict).toMatchObject({ outcome: 'fail', reasons: [{ code: 'helm-chart-held' }] });
        expect(observer.events.filter((e) => e.digest === digest).map((e) => e.verdict.outcome)).toEqual(['fail']);
    });

    it('lets a signature (a referrer) follow its subject: not scanned, nothing recorded under it, no observer told, so never promoted on its own', async () => {
        const subject = server.registry.putImage({ repository: 'quarantine/signed', tags: ['1.0'], mediaType: 'application/vnd.oci.image.manifest.v1+json' });
        const signature = pushOciManifest(server, 'quarantine/signed', `sha256-${randomBytes(4).toString('hex')}`, {
            artifactType: 'application/vnd.cncf.notary.signature',
            config: { mediaType: 'application/vnd.oci.empty.v1+json', bytes: Buffer.from('{}') },
            layers: [{ mediaType: 'application/jose+json', bytes: Buffer.from(JSON.stringify({ payload: 'e30', signatures: [] })) }],
            subject,
        });
        const runs = server.runs().length;
        const { final } = await scan('quarantine/signed', signature, null);
        expect(final).toEqual({ status: 'follows-subject', subjectDigest: subject });
        expect(server.runs()).toHaveLength(runs);
        expect(await store.getSummary(signature)).toBeNull();
        expect(observer.events.filter((e) => e.digest === signature)).toEqual([]);
    });

    it('scans a runnable image that calls itself a signature of another image: what can run is an image', async () => {
        const subject = server.registry.putImage({ repository: 'quarantine/disguised', tags: ['1.0'], mediaType: 'application/vnd.oci.image.manifest.v1+json' });
        const disguised = pushOciManifest(server, 'quarantine/disguised', 'sig', { ...runnableImage(), artifactType: 'application/vnd.cncf.notary.signature', subject });
        const runs = server.runs().length;
        const { final } = await scan('quarantine/disguised', disguised, 'sig');
        expect(final).toMatchObject({ status: 'scanned', verdict: { outcome: 'pass' } });
        expect(server.runs()).toHaveLength(runs + 1);
        expect(server.runs().at(-1)!.values['imageRef']).toBe(`${server.loginServer}/quarantine/disguised@${disguised}`);
    });
});
