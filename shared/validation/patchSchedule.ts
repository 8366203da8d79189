import { z } from 'zod';

// When a continuous-patching cycle is due: every N days (1 to 30), counted from the last run.
//
// ACR writes `--schedule Nd` as the cron `"{minute} {hour} */{N} * *"` (minute and hour = the
// UTC time of the az command). A cron day step restarts on the 1st of every month, so `*/7`
// fires on days 1, 8, 15, 22, 29 and then again on the 1st: 2 or 3 days apart at a month's end
// (the how-to even says "your workflow will run on the first of every month"). acr-guard
// counts N days from the last run instead, so the interval is always N days; `acrCronFor`
// keeps ACR's expression for comparison and for users migrating a schedule.

export const MIN_SCHEDULE_DAYS = 1;
export const MAX_SCHEDULE_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

const formatHint = 'Schedule must be in the format of <number><unit> where unit is d for days. Example: 1d. Max value for d is 30d.';
export const scheduleMessages = {
    format: `Schedule format is invalid. ${formatHint}`,
    value: `Schedule value is invalid. ${formatHint}`,
} as const;

export type ScheduleResult = { ok: true; days: number } | { ok: false; error: string };

/** Parses ACR's `--schedule` value (`1d` .. `30d`), with ACR's messages. */
export function parseSchedule(text: string): ScheduleResult {
    const match = /^(\d+)d$/.exec(text.trim());
    if (!match) return { ok: false, error: scheduleMessages.format };
    const days = Number(match[1]);
    if (!Number.isInteger(days) || days < MIN_SCHEDULE_DAYS || days > MAX_SCHEDULE_DAYS) {
        return { ok: false, error: scheduleMessages.value };
    }
    return { ok: true, days };
}

/** zod form of `parseSchedule` (e.g. for a settings catalog entry): `"7d"` -> 7. */
export const scheduleSchema = z.string().transform((text, ctx) => {
    const parsed = parseSchedule(text);
    if (!parsed.ok) {
        ctx.addIssue({ code: 'custom', message: parsed.error });
        return z.NEVER;
    }
    return parsed.days;
});

/** When the next cycle is due: lastRun + N days; a cycle that never ran is due now. */
export function nextRunAt(lastRunAt: Date | null, everyDays: number, now: Date): Date {
    assertDays(everyDays);
    return lastRunAt === null ? new Date(now.getTime()) : new Date(lastRunAt.getTime() + everyDays * DAY_MS);
}

export type RunDecision =
    | { run: true; reason: 'run-now' | 'never-ran' | 'due'; nextRunAt: Date }
    | { run: false; reason: 'not-due'; nextRunAt: Date };

/**
 * Whether a timer tick (or an explicit run-now request) should start a cycle. `nextRunAt` is
 * when the following cycle is due if this one starts now (or, when not due, the due time).
 */
export function decideRun(input: { lastRunAt: Date | null; everyDays: number; now: Date; runNow?: boolean }): RunDecision {
    const { lastRunAt, everyDays, now } = input;
    const due = nextRunAt(lastRunAt, everyDays, now);
    const afterThisRun = new Date(now.getTime() + everyDays * DAY_MS);
    if (input.runNow) return { run: true, reason: 'run-now', nextRunAt: afterThisRun };
    if (lastRunAt === null) return { run: true, reason: 'never-ran', nextRunAt: afterThisRun };
    if (now.getTime() >= due.getTime()) return { run: true, reason: 'due', nextRunAt: afterThisRun };
    return { run: false, reason: 'not-due', nextRunAt: due };
}

/** The cron expression ACR Continuous Patching would register for `--schedule Nd` at `createdAt`. */
export function acrCronFor(everyDays: number, createdAt: Date): string {
    assertDays(everyDays);
    return `${createdAt.getUTCMinutes()} ${createdAt.getUTCHours()} */${everyDays} * *`;
}

function assertDays(everyDays: number): void {
    if (!Number.isInteger(everyDays) || everyDays < MIN_SCHEDULE_DAYS || everyDays > MAX_SCHEDULE_DAYS) {
        throw new RangeError(`schedule must be a whole number of days from ${MIN_SCHEDULE_DAYS} to ${MAX_SCHEDULE_DAYS}, got ${everyDays}`);
    }
}
