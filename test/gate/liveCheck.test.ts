import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LiveCheck } from '../../shared/gate/liveCheck';
import type { LivePush } from '../../shared/intake/livePushObserver';
import { startAcrServer, type AcrServer } from '../acr-server/acrServer';
import { gateParts } from './support';

let server: AcrServer;
beforeAll(async () => {
    server = await startAcrServer({ azuriteConnectionString: inject('azuriteConnectionString') });
});
afterAll(async () => {
    await server?.close();
});

const push = (repository: string, digest: string, tag: string | null): LivePush => ({
    eventId: `ev-${digest.slice(7, 15)}-${repository}`,
    type: 'Microsoft.ContainerRegistry.ImagePushed',
    action: 'push',
    registry: server.loginServer,
    repository,
    tag,
    digest,
    mediaType: null,
    size: null,
    chart: null,
    actor: 'someone',
    userAgent: 'docker/27',
    requestHost: server.loginServer,
    connectedRegistry: null,
    time: '2026-11-20T10:00:00.000Z',
    eventTime: null,
    topic: null,
    schema: 'eventgrid',
});

describe('live check against the promotion ledger', () => {
    it('recognises a promotion that crashed between import and confirmation (intent only)', async () => {
        const parts = await gateParts(inject('azuriteConnectionString'), server);
        const check = new LiveCheck(parts.ledger, parts.responder);
        const digest = server.registry.putImage({ repository: 'quarantine/crash/app', tags: ['1'] });
        await parts.ledger.recordIntent({ registry: server.loginServer, sourceRepository: 'quarantine/crash/app', targetRepository: 'live/crash/app', digest, tag: '1', requestedBy: 'auto' });
        expect(await check.check(push('live/crash/app', digest, '1'))).toBeNull();
        // The same digest in a repository it was never promoted into is a bypass.
        expect(await check.check(push('live/crash/other', digest, '1'))).toMatchObject({ newAlert: true, lock: 'disabled' });
        expect((await parts.alertStore.list({ kind: 'quarantine-bypass' })).map((a) => a.alert.subject.repository)).toEqual(['live/crash/other']);
    });

    it('locks an untagged bypass by digest only, once, and raises lock-failed when the image cannot be locked', async () => {
        const parts = await gateParts(inject('azuriteConnectionString'), server, { lockImages: true });
        const check = new LiveCheck(parts.ledger, parts.responder);
        const digest = server.registry.putImage({ repository: 'live/untagged/app' });
        expect(await check.check(push('live/untagged/app', digest, null))).toMatchObject({ newAlert: true, lock: 'locked' });
        expect(await check.check(push('live/untagged/app', digest, null))).toMatchObject({ newAlert: false, lock: 'already-locked' });
        expect(server.registry.events.filter((e) => e.kind === 'attributes' && e.digest === digest).map((e) => (e.kind === 'attributes' ? e.target : ''))).toEqual(['manifest']);

        const missing = `sha256:${'d'.repeat(64)}`;
        expect(await check.check(push('live/untagged/gone', missing, 'x'))).toMatchObject({ lock: 'failed' });
        const lockFailed = await parts.alertStore.list({ kind: 'lock-failed' });
        expect(lockFailed.map((a) => a.alert.subject.digest)).toEqual([missing]);
        expect(await parts.locks.get('live/untagged/gone', missing)).toBeNull();
    });
});
