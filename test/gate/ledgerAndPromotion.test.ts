import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { liveRepositoryFor } from '../../shared/gate/livePromotionTarget';
import { countsAsPromotion } from '../../shared/gate/promotionLedger';
import { PromotionFailed, PromotionRefused } from '../../shared/gate/promoter';
import { PromotionObserver } from '../../shared/gate/promotionObserver';
import type { ScanVerdictEvent } from '../../shared/scan/verdictObserver';
import { startAcrServer, type AcrServer } from '../acr-server/acrServer';
import { gateParts, PREFIXES, randomHex } from './support';

let server: AcrServer;
let parts: Awaited<ReturnType<typeof gateParts>>;

beforeAll(async () => {
    server = await startAcrServer({ azuriteConnectionString: inject('azuriteConnectionString'), importPollsInProgress: 2 });
    parts = await gateParts(inject('azuriteConnectionString'), server);
});
afterAll(async () => {
    await server?.close();
});

const verdictEvent = (repository: string, digest: string, tag: string | null, outcome: 'pass' | 'fail' | 'error' = 'pass'): ScanVerdictEvent => ({
    registry: server.loginServer,
    repository,
    digest,
    tag,
    scanId: 'scan-1',
    reason: 'push',
    scannedAt: new Date(),
    verdict: { outcome, reasons: [] },
    previous: null,
    newFindings: [],
    dbVersion: null,
    redelivered: false,
});

describe('live repository for a quarantined one', () => {
    it('swaps the prefix and refuses anything outside quarantine', () => {
        expect(liveRepositoryFor('quarantine/team/api', PREFIXES)).toBe('live/team/api');
        expect(liveRepositoryFor('live/team/api', PREFIXES)).toBeNull();
        expect(liveRepositoryFor('quarantine/', PREFIXES)).toBeNull();
        expect(liveRepositoryFor('other/quarantine/x', PREFIXES)).toBeNull();
    });
});

describe('promotion ledger on Table storage', () => {
    it('records intent, confirms, merges tags, never downgrades, and finds by digest', async () => {
        const digest = `sha256:${randomHex()}`;
        const intent = { registry: 'contoso.azurecr.io', sourceRepository: 'quarantine/a', targetRepository: 'live/a', digest, tag: '1.0', requestedBy: 'auto' };
        expect(await parts.ledger.find('live/a', digest)).toBeNull();
        const first = await parts.ledger.recordIntent(intent);
        expect(first).toMatchObject({ state: 'intent', tags: ['1.0'] });
        // An intent already counts: the live push an import causes must not alert even if we crash now.
        expect(countsAsPromotion(await parts.ledger.find('live/a', digest))).toBe(true);
        expect((await parts.ledger.recordIntent(intent)).tags).toEqual(['1.0']);
        expect(await parts.ledger.confirm('live/a', digest, '1.0')).toMatchObject({ state: 'confirmed', confirmedAt: expect.any(String) });
        expect(await parts.ledger.recordIntent({ ...intent, tag: 'stable' })).toMatchObject({ state: 'confirmed', tags: ['1.0', 'stable'] });
        expect(await parts.ledger.fail('live/a', digest, 'late error', true)).toMatchObject({ state: 'confirmed' });
        await parts.ledger.recordIntent({ ...intent, targetRepository: 'live/b' });
        expect((await parts.ledger.findByDigest(digest)).map((p) => p.targetRepository).sort()).toEqual(['live/a', 'live/b']);
    });

    it('keeps the intent on a transient failure and marks a final one failed (re-opened by the next intent)', async () => {
        const digest = `sha256:${randomHex()}`;
        const intent = { registry: 'contoso.azurecr.io', sourceRepository: 'quarantine/c', targetRepository: 'live/c', digest, tag: '1', requestedBy: 'auto' };
        await parts.ledger.recordIntent(intent);
        expect(await parts.ledger.fail('live/c', digest, 'throttled', false)).toMatchObject({ state: 'intent', lastError: 'throttled' });
        const failed = await parts.ledger.fail('live/c', digest, 'source not found', true);
        expect(failed).toMatchObject({ state: 'failed', lastError: 'source not found' });
        expect(countsAsPromotion(failed)).toBe(false);
        expect(await parts.ledger.recordIntent(intent)).toMatchObject({ state: 'intent' });
    });
});

describe('promoter and auto-promotion observer', () => {
    it('imports quarantine/NAME@DIGEST into live/NAME:TAG through the ARM operation, confirms, and is idempotent', async () => {
        const digest = server.registry.putImage({ repository: 'quarantine/web/shop', tags: ['2.1'] });
        const observer = new PromotionObserver(parts.promoter, { autoPromote: true, quarantinePrefix: 'quarantine/' });
        await observer.onVerdict(verdictEvent('quarantine/web/shop', digest, '2.1'));
        await observer.onVerdict(verdictEvent('quarantine/web/shop', digest, '2.1'));
        const imports = server.registry.events.filter((e) => e.kind === 'import' && e.digest === digest);
        expect(imports).toEqual([expect.objectContaining({ repository: 'live/web/shop', sourceRepository: 'quarantine/web/shop', tags: ['2.1'], mode: 'Force' })]);
        expect(server.registry.tag('live/web/shop', '2.1')?.digest).toBe(digest);
        expect(await parts.ledger.find('live/web/shop', digest)).toMatchObject({ state: 'confirmed', requestedBy: 'auto', tags: ['2.1'] });
    });

    it('leaves fail, error, untagged, non-quarantine verdicts and auto-promotion off alone', async () => {
        const digest = server.registry.putImage({ repository: 'quarantine/web/left', tags: ['1'] });
        const on = new PromotionObserver(parts.promoter, { autoPromote: true, quarantinePrefix: 'quarantine/' });
        const off = new PromotionObserver(parts.promoter, { autoPromote: false, quarantinePrefix: 'quarantine/' });
        await on.onVerdict(verdictEvent('quarantine/web/left', digest, '1', 'fail'));
        await on.onVerdict(verdictEvent('quarantine/web/left', digest, '1', 'error'));
        await on.onVerdict(verdictEvent('quarantine/web/left', digest, null));
        await on.onVerdict(verdictEvent('other/web/left', digest, '1'));
        await off.onVerdict(verdictEvent('quarantine/web/left', digest, '1'));
        expect(server.registry.events.filter((e) => e.kind === 'import' && e.digest === digest)).toEqual([]);
        expect(await parts.ledger.find('live/web/left', digest)).toBeNull();
    });

    it('marks a permanent import failure failed, raises one promotion-failed alert, and refuses non-quarantine sources', async () => {
        const missing = `sha256:${randomHex()}`;
        server.registry.putImage({ repository: 'quarantine/web/gone', tags: ['1'] });
        const err = await parts.promoter.promote({ registry: server.loginServer, sourceRepository: 'quarantine/web/gone', digest: missing, tag: '1', requestedBy: 'auto' }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(PromotionFailed);
        expect((err as PromotionFailed).retryable).toBe(false);
        expect(await parts.ledger.find('live/web/gone', missing)).toMatchObject({ state: 'failed', lastError: expect.any(String) });
        const alerts = (await parts.alertStore.list({ kind: 'promotion-failed' })).filter((a) => a.alert.subject.digest === missing);
        expect(alerts).toHaveLength(1);
        expect(alerts[0]!.alert).toMatchObject({ detectedBy: ['promotion'], subject: { repository: 'quarantine/web/gone', tag: '1' } });
        // The observer swallows a permanent failure (alerted) instead of retrying it forever.
        const observer = new PromotionObserver(parts.promoter, { autoPromote: true, quarantinePrefix: 'quarantine/' });
        await expect(observer.onVerdict(verdictEvent('quarantine/web/gone', missing, '1'))).resolves.toBeUndefined();
        await expect(parts.promoter.promote({ registry: server.loginServer, sourceRepository: 'live/x', digest: missing, tag: '1', requestedBy: 'auto' })).rejects.toBeInstanceOf(PromotionRefused);
    });
});
