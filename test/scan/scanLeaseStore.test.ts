import { beforeAll, describe, expect, inject, it } from 'vitest';
import { LeaseLost, ScanLeaseStore } from '../../shared/scan/scanLeaseStore';
import { randomDigest } from '../results/support';
import { freshTable, uniqueNames } from '../support/intakeFixtures';

/* The ScanLeases table on Azurite: conditional insert for the lease, ETag-guarded changes, answer claims. */
let leases: ScanLeaseStore;
const at = new Date('2026-12-03T09:00:00Z');
const later = (ms: number) => new Date(at.getTime() + ms);

beforeAll(async () => {
    leases = new ScanLeaseStore(await freshTable(inject('azuriteConnectionString'), uniqueNames('ScanLeases').table));
});

describe('ScanLeaseStore', () => {
    it('lets exactly one of 20 concurrent acquirers take a digest\'s lease; the others get it as it is', async () => {
        const digest = randomDigest();
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => leases.acquire(digest, 'image', `request-${i}`, at, 'linux/arm64')));
        const winners = results.filter((r) => r.acquired);
        expect(winners).toHaveLength(1);
        for (const r of results) expect(r.lease).toMatchObject({ digest, kind: 'image', state: 'scheduling', owner: winners[0]!.lease.owner, platform: 'linux/arm64', attempts: 0, runId: null });
    });

    it('changes a lease only under its ETag: a stale copy gets LeaseLost, the fresh one wins', async () => {
        const digest = randomDigest();
        const { lease } = await leases.acquire(digest, 'image', 'owner', at, null);
        const running = await leases.change(lease, { state: 'running', runId: 'cf1', nonce: 'a'.repeat(32), since: later(1000), attempts: 1 });
        await expect(leases.change(lease, { state: 'running', runId: 'cf2' })).rejects.toBeInstanceOf(LeaseLost);
        const done = await leases.change(running, { state: 'done', scanId: 'owner', outcome: 'pass', finishedAt: later(2000) });
        expect(await leases.get(digest)).toEqual(done);
        expect(done).toMatchObject({ state: 'done', runId: 'cf1', nonce: 'a'.repeat(32), scanId: 'owner', outcome: 'pass', finishedAt: later(2000) });
    });

    it('lets one delivery at a time tell the observers per (scan, repository, tag); answered stays answered; a released or abandoned claim can be taken', async () => {
        const key = { digest: randomDigest(), scanId: 'push-1', repository: 'quarantine/app', tag: '1.0' };
        const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => leases.claimAnswer(key, `delivery-${i}`, at, 60_000)));
        expect(claims.filter((c) => c.status === 'claimed')).toHaveLength(1);
        expect(claims.filter((c) => c.status === 'busy')).toHaveLength(9);
        const winner = `delivery-${claims.findIndex((c) => c.status === 'claimed')}`;

        // Its observers failed: it gives the claim back, and the next delivery claims at once.
        await leases.releaseAnswer(key, 'someone-else'); // not theirs to release
        expect(await leases.claimAnswer(key, 'delivery-x', later(1), 60_000)).toMatchObject({ status: 'busy', claimant: winner });
        await leases.releaseAnswer(key, winner);
        expect(await leases.claimAnswer(key, 'delivery-y', later(2), 60_000)).toEqual({ status: 'claimed' });
        // delivery-y died without a word: after the limit its claim is abandoned.
        expect(await leases.claimAnswer(key, 'delivery-z', later(60_003), 60_000)).toEqual({ status: 'claimed' });
        await leases.markAnswered(key, later(60_004));
        expect(await leases.claimAnswer(key, 'delivery-w', later(999_999), 60_000)).toEqual({ status: 'answered' });
        // Another tag of the same scan is a separate answer.
        expect(await leases.claimAnswer({ ...key, tag: 'latest' }, 'delivery-w', later(5), 60_000)).toEqual({ status: 'claimed' });
        expect(await leases.claimAnswer({ ...key, tag: null }, 'delivery-w', later(5), 60_000)).toEqual({ status: 'claimed' });
    });
});
