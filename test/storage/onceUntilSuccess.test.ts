import { describe, expect, it } from 'vitest';
import { onceUntilSuccess } from '../../shared/storage/onceUntilSuccess';

describe('onceUntilSuccess', () => {
    it('runs once and shares the result between callers, concurrent or later', async () => {
        let calls = 0;
        const ensure = onceUntilSuccess(async () => ++calls);
        expect(await Promise.all([ensure(), ensure()])).toEqual([1, 1]);
        expect(await ensure()).toBe(1);
        expect(calls).toBe(1);
    });

    it('forgets a failed attempt: its callers see the error, the next call tries again', async () => {
        let calls = 0;
        const ensure = onceUntilSuccess(async () => {
            calls++;
            if (calls === 1) throw new Error('table service unavailable');
            return 'created';
        });
        await expect(ensure()).rejects.toThrow('table service unavailable');
        expect(await ensure()).toBe('created');
        expect(await ensure()).toBe('created');
        expect(calls).toBe(2);
    });
});
