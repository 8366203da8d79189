import { createRequire } from 'node:module';
import pLimit from 'p-limit';
import { describe, expect, it } from 'vitest';

/*
 * The bounded-concurrency helper recommended for issue 10's reconciliation and rescan selection
 * (walking thousands of rows one storage call at a time): p-limit 3.x, the last major that is
 * CommonJS (4+ is ESM-only and cannot be require()d by this CJS build). This shows the properties the
 * rewired walks rely on; it does not time anything (speed goes in bench/).
 */
describe('p-limit: bounded concurrency for storage walks', () => {
    it('never runs more than the limit at once, and Promise.all keeps input order', async () => {
        const limit = pLimit(8);
        let inFlight = 0;
        let peak = 0;
        const work = async (n: number) => {
            inFlight++;
            peak = Math.max(peak, inFlight);
            // Yield a few turns, as a storage call would, so calls really overlap.
            for (let i = 0; i < (n % 5) + 1; i++) await new Promise((resolve) => setImmediate(resolve));
            inFlight--;
            return n * 2;
        };
        const results = await Promise.all(Array.from({ length: 200 }, (_, n) => limit(() => work(n))));
        expect(results).toEqual(Array.from({ length: 200 }, (_, n) => n * 2));
        expect(peak).toBe(8);
        expect(limit.activeCount).toBe(0);
        expect(limit.pendingCount).toBe(0);
    });

    it('a failing call rejects the batch but does not stop its siblings (so each row records its own outcome with allSettled)', async () => {
        const limit = pLimit(3);
        const done: number[] = [];
        const settled = await Promise.allSettled(
            [0, 1, 2, 3, 4, 5].map((n) =>
                limit(async () => {
                    await new Promise((resolve) => setImmediate(resolve));
                    if (n === 2) throw new Error(`row ${n} failed`);
                    done.push(n);
                    return n;
                }),
            ),
        );
        expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
        expect((settled[2] as PromiseRejectedResult).reason.message).toBe('row 2 failed');
        expect(done.sort()).toEqual([0, 1, 3, 4, 5]);
    });

    it('is the CommonJS build (require works from this CJS project)', () => {
        const requireHere = createRequire(__filename);
        const required = requireHere('p-limit') as typeof pLimit;
        expect(typeof required).toBe('function');
        expect((requireHere('p-limit/package.json') as { version: string }).version).toMatch(/^3\./);
    });
});
