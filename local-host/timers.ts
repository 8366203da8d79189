import { Cron } from 'croner';
import { resolveSettingReference } from './env';
import { validateSchedule, type RegisteredFunction } from './registry';
import type { FunctionRunner } from './runtime';

interface TimerFunction {
    readonly fn: RegisteredFunction;
    readonly schedule: string;
    cron?: Cron;
    last?: Date;
}


/**
 * Timer triggers on six-field NCRONTAB schedules (UTC, like the Functions host without
 * WEBSITE_TIME_ZONE), never overlapping themselves. With `runSchedules` off, timers only run
 * through `run(name)` (and `runOnStartup` is ignored), so tests decide when they fire.
 */
export class TimerTriggers {
    readonly #timers = new Map<string, TimerFunction>();

    constructor(
        functions: readonly RegisteredFunction[],
        private readonly runner: FunctionRunner,
    ) {
        for (const fn of functions) {
            if (fn.triggerType !== 'timerTrigger') continue;
            const schedule = resolveSettingReference(String(fn.trigger.schedule ?? ''), `Function "${fn.name}": the timer schedule`);
            validateSchedule(fn.name, schedule);
            this.#timers.set(fn.name.toLowerCase(), { fn, schedule });
        }
    }

    start(runSchedules: boolean): void {
        if (!runSchedules) return;
        for (const timer of this.#timers.values()) {
            timer.cron = new Cron(timer.schedule, { timezone: 'UTC', protect: true }, async () => {
                await this.#fire(timer, false).catch(() => undefined);
            });
            if (timer.fn.trigger.runOnStartup) void this.#fire(timer, false).catch(() => undefined);
        }
    }

    stop(): void {
        for (const timer of this.#timers.values()) timer.cron?.stop();
    }

    /** Runs one timer function now; rejects with the function's failure. */
    async run(name: string): Promise<void> {
        const timer = this.#timers.get(name.toLowerCase());
        if (!timer) throw new Error(`No timer-triggered function named "${name}" (timers: ${[...this.#timers.values()].map((t) => t.fn.name).join(', ') || 'none'}).`);
        await this.#fire(timer, false);
    }

    async #fire(timer: TimerFunction, isPastDue: boolean): Promise<void> {
        const now = new Date();
        const next = new Cron(timer.schedule, { timezone: 'UTC', paused: true }).nextRun(now);
        // PascalCase like the host's TimerInfo JSON; the library camel-cases it into `Timer`.
        const info = {
            Schedule: { AdjustForDST: true },
            ScheduleStatus: { Last: (timer.last ?? now).toISOString(), Next: next?.toISOString(), LastUpdated: now.toISOString() },
            IsPastDue: isPastDue,
        };
        timer.last = now;
        await this.runner.run(timer.fn, { triggerData: { json: JSON.stringify(info) }, reason: `Timer fired at ${now.toISOString()}` });
    }
}
