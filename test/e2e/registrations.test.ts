import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
// The local host must be imported before anything that registers functions.
import { loadRegistrations, validateSchedule } from '../../local-host';
import { queues, poisonQueueOf } from '../../shared/storage/names';

/*
 * The app's real registrations, as the host loads them: names unique, one function per file
 * named after it, schedules valid, queues known to shared/storage/names.ts and connections that
 * local.settings.sample.json defines.
 */
const FUNCTIONS_DIR = path.resolve(__dirname, '../../functions');
const sampleValues = (JSON.parse(readFileSync(path.resolve(__dirname, '../../local.settings.sample.json'), 'utf8')) as { Values: Record<string, string> }).Values;
const knownQueues = new Set(Object.values(queues).flatMap((q) => [q, poisonQueueOf(q)]));

describe('function registrations', () => {
    it('registers the intake and checks every registration', async () => {
        const app = await loadRegistrations(FUNCTIONS_DIR);
        const names = app.functions.map((f) => f.name);
        expect(names).toContain('registryEventIntake');
        expect(app.functions.find((f) => f.name === 'registryEventIntake')?.triggerType).toBe('eventGridTrigger');
        // The Functions host treats names case-insensitively.
        expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(names.length);
        // appStart (settings) and appTerminate hooks come from functions/index.ts.
        expect(app.hooks.length).toBeGreaterThanOrEqual(2);

        for (const fn of app.functions) {
            expect(fn.origins.map((o) => path.basename(o).replace(/\.(ts|js)$/, ''))).toEqual([fn.name]);
            if (fn.triggerType === 'timerTrigger') expect(() => validateSchedule(fn.name, String(fn.trigger.schedule))).not.toThrow();
            // A queue worker gets the message's bytes, so what it parks is the message as queued.
            if (fn.triggerType === 'queueTrigger') expect(fn.trigger.dataType, `${fn.name}: dataType`).toBe('binary');
            for (const binding of [fn.trigger, ...Object.values(fn.bindings)]) {
                const isQueue = binding.type === 'queueTrigger' || binding.type === 'queue';
                if (!isQueue) continue;
                expect(knownQueues, `${fn.name}: queue ${String(binding.queueName)}`).toContain(binding.queueName);
                const connection = typeof binding.connection === 'string' && binding.connection ? binding.connection : 'AzureWebJobsStorage';
                expect(Object.keys(sampleValues), `${fn.name}: connection ${connection}`).toContain(connection);
            }
        }
    });
});
