import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRegistrations, startLocalHost } from '../../local-host';
import { fixtureApp, fixtureHostJson, startFixtureHost } from './fixtureHost';

const fixtures = path.resolve(__dirname, '../fixtures');

describe('local host: timers, hooks and lifecycle', () => {
    it('runs a timer on demand with a Timer object', async () => {
        const { host, seen } = await startFixtureHost();
        try {
            await host.idle();
            expect(seen.timers).toHaveLength(0); // runOnStartup is ignored while schedules are off
            await host.runTimer('timerTick');
            expect(seen.timers).toHaveLength(1);
            expect(seen.timers[0]).toMatchObject({ isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: { next: expect.any(String) } });
            expect(host.logs.some((l) => l.functionName === 'timerTick' && l.level === 'warning' && l.message === 'tick')).toBe(true);
            await expect(host.runTimer('noSuchTimer')).rejects.toThrow(/No timer-triggered function named "noSuchTimer"/);
        } finally {
            await host.stop();
        }
    });

    it('fires runOnStartup timers only when schedules run', async () => {
        const { host, seen } = await startFixtureHost({ runSchedules: true });
        try {
            await host.idle();
            expect(seen.timers).toEqual([{ startup: true, timer: expect.objectContaining({ isPastDue: false }) }]);
        } finally {
            await host.stop();
        }
    });

    it('stops (appTerminate, env restored) and starts again in the same process', async () => {
        expect(process.env.FIXTURE_QUEUE).toBeUndefined();
        const first = await startFixtureHost();
        expect(process.env.FIXTURE_QUEUE).toBe(first.queueName);
        await first.host.stop();
        expect(first.seen.hooks).toEqual(['appStart', 'appTerminate']);
        expect(process.env.FIXTURE_QUEUE).toBeUndefined();
        const second = await startFixtureHost();
        try {
            expect(second.host.functions.map((f) => f.name)).toEqual(['eventGridSink', 'httpEcho', 'httpEnqueue', 'httpSecret', 'queueSink', 'startupTick', 'timerTick']);
            const res = await fetch(`${second.host.baseUrl}/api/echo/again`);
            expect(res.status).toBe(201);
            expect(second.seen.hooks[0]).toBe('appStart');
        } finally {
            await second.host.stop();
        }
    });

    it('fails to start with the message of a throwing appStart hook, and can start afterwards', async () => {
        await expect(startFixtureHost({ env: { FIXTURE_APPSTART_FAILURE: 'ACR_GUARD_X is missing' } })).rejects.toThrow(/appStart hook threw: ACR_GUARD_X is missing/);
        expect(process.env.FIXTURE_APPSTART_FAILURE).toBeUndefined();
        const again = await startFixtureHost();
        await again.host.stop();
        expect(again.seen.hooks).toEqual(['appStart', 'appTerminate']);
    });

    it('rejects a schedule that is not six-field NCRONTAB, and unsupported trigger kinds', async () => {
        await expect(loadRegistrations(path.join(fixtures, 'local-host-bad-cron'))).rejects.toThrow(/badCronTimer.*not a six-field NCRONTAB/);
        await expect(
            startLocalHost({ functionsDir: path.join(fixtures, 'local-host-unsupported'), hostJsonPath: fixtureHostJson, port: 0, runSchedules: false }),
        ).rejects.toThrow(/unsupportedBlob" uses the trigger type "blobTrigger", which the local host does not support/);
    });

    it('rejects a function name registered by two modules', async () => {
        await expect(loadRegistrations(path.join(fixtures, 'local-host-duplicate'))).rejects.toThrow(/"duplicateName" has already been registered/);
    });

    it('lists registrations without starting anything', async () => {
        const app = await loadRegistrations(fixtureApp);
        expect(app.functions.map((f) => [f.name, f.triggerType])).toEqual([
            ['eventGridSink', 'eventGridTrigger'],
            ['httpEcho', 'httpTrigger'],
            ['httpEnqueue', 'httpTrigger'],
            ['httpSecret', 'httpTrigger'],
            ['queueSink', 'queueTrigger'],
            ['startupTick', 'timerTrigger'],
            ['timerTick', 'timerTrigger'],
        ]);
        expect(app.hooks.map((h) => h.hookName).sort()).toEqual(['appStart', 'appTerminate', 'postInvocation', 'preInvocation']);
    });
});
