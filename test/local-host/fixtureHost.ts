import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { QueueClient } from '@azure/storage-queue';
import { inject } from 'vitest';
import { startLocalHost, type LocalHost, type LocalHostOptions } from '../../local-host';
import { record, type FixtureRecord } from '../fixtures/local-host-app/record';

export const fixtureApp = path.resolve(__dirname, '../fixtures/local-host-app');
export const fixtureHostJson = path.join(fixtureApp, 'host.json');

export function uniqueQueueName(prefix = 'lh'): string {
    return `${prefix}-${randomBytes(6).toString('hex')}`;
}

export interface FixtureHost {
    readonly host: LocalHost;
    readonly queueName: string;
    readonly queue: QueueClient;
    readonly seen: FixtureRecord;
}

/** The fixture app on a free port, its queue trigger on a fresh queue, schedules off. */
export async function startFixtureHost(overrides: Partial<LocalHostOptions> = {}): Promise<FixtureHost> {
    const queueName = uniqueQueueName();
    const connectionString = inject('azuriteConnectionString');
    const seen = record();
    seen.hooks.length = 0;
    seen.events.length = 0;
    seen.messages.length = 0;
    seen.timers.length = 0;
    const host = await startLocalHost({
        functionsDir: fixtureApp,
        hostJsonPath: fixtureHostJson,
        port: 0,
        runSchedules: false,
        ...overrides,
        env: { FIXTURE_STORAGE: connectionString, FIXTURE_QUEUE: queueName, ...overrides.env },
    });
    return { host, queueName, queue: new QueueClient(connectionString, queueName), seen };
}
