import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import { acrCronFor, decideRun, nextRunAt, parseSchedule, scheduleMessages, scheduleSchema } from '../../shared/validation/patchSchedule';

const utc = (iso: string) => new Date(`${iso}Z`);

describe('parseSchedule (ACR --schedule)', () => {
    it.each([['1d', 1], ['7d', 7], ['30d', 30]])('%s -> %i days', (text, days) => {
        expect(parseSchedule(text)).toEqual({ ok: true, days });
    });
    it.each(['7', 'd', '1w', '7 d', '-1d', '1.5d'])('%s has a bad format', (text) => {
        expect(parseSchedule(text)).toEqual({ ok: false, error: scheduleMessages.format });
    });
    it.each(['0d', '31d', '100d'])('%s is out of range', (text) => {
        expect(parseSchedule(text)).toEqual({ ok: false, error: scheduleMessages.value });
    });
    it('has a zod form for settings', () => {
        expect(scheduleSchema.parse('3d')).toBe(3);
        expect(scheduleSchema.safeParse('31d').success).toBe(false);
    });
});

describe('next run: N days after the last run', () => {
    it('never ran -> due now', () => {
        const now = utc('2025-03-10T08:00:00');
        expect(nextRunAt(null, 7, now)).toEqual(now);
        expect(decideRun({ lastRunAt: null, everyDays: 7, now })).toEqual({ run: true, reason: 'never-ran', nextRunAt: utc('2025-03-17T08:00:00') });
    });
    it('crosses month ends by counting days, not day-of-month', () => {
        expect(nextRunAt(utc('2025-01-29T02:30:00'), 7, utc('2025-01-29T03:00:00'))).toEqual(utc('2025-02-05T02:30:00'));
        expect(nextRunAt(utc('2025-02-27T00:00:00'), 3, utc('2025-02-27T00:00:00'))).toEqual(utc('2025-03-02T00:00:00'));
        expect(nextRunAt(utc('2024-02-27T00:00:00'), 3, utc('2024-02-27T00:00:00'))).toEqual(utc('2024-03-01T00:00:00')); // leap year
        expect(nextRunAt(utc('2024-12-31T23:00:00'), 1, utc('2024-12-31T23:00:00'))).toEqual(utc('2025-01-01T23:00:00'));
        expect(nextRunAt(utc('2025-01-15T12:00:00'), 30, utc('2025-01-15T12:00:00'))).toEqual(utc('2025-02-14T12:00:00'));
    });
    it('is not due before lastRun + N days, due at and after it', () => {
        const lastRunAt = utc('2025-01-29T02:30:00');
        expect(decideRun({ lastRunAt, everyDays: 7, now: utc('2025-02-01T00:00:00') })).toEqual({
            run: false,
            reason: 'not-due',
            nextRunAt: utc('2025-02-05T02:30:00'),
        });
        expect(decideRun({ lastRunAt, everyDays: 7, now: utc('2025-02-05T02:30:00') }).run).toBe(true);
        expect(decideRun({ lastRunAt, everyDays: 7, now: utc('2025-02-09T00:00:00') })).toEqual({
            run: true,
            reason: 'due',
            nextRunAt: utc('2025-02-16T00:00:00'),
        });
    });
    it('run-now bypasses the schedule and restarts the interval', () => {
        const decision = decideRun({ lastRunAt: utc('2025-02-01T00:00:00'), everyDays: 7, now: utc('2025-02-02T00:00:00'), runNow: true });
        expect(decision).toEqual({ run: true, reason: 'run-now', nextRunAt: utc('2025-02-09T00:00:00') });
    });
    it('rejects a day count outside 1..30', () => {
        expect(() => nextRunAt(null, 0, new Date())).toThrow(RangeError);
        expect(() => nextRunAt(null, 31, new Date())).toThrow(RangeError);
    });
});

describe('ACR\'s cron resets on the 1st (why acr-guard counts from the last run)', () => {
    it('*/7 fires on the 29th and again on the 1st, 3 days later', () => {
        const cron = acrCronFor(7, utc('2025-01-10T14:05:00'));
        expect(cron).toBe('5 14 */7 * *');
        const runs = new Cron(cron, { timezone: 'UTC' }).nextRuns(3, utc('2025-01-28T00:00:00'));
        expect(runs.map((d) => d.toISOString())).toEqual(['2025-01-29T14:05:00.000Z', '2025-02-01T14:05:00.000Z', '2025-02-08T14:05:00.000Z']);
        // acr-guard: 7 days after the run of the 29th.
        expect(nextRunAt(runs[0]!, 7, runs[0]!).toISOString()).toBe('2025-02-05T14:05:00.000Z');
    });
});
