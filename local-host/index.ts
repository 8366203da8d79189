import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { coreState, type RegisteredHook } from './coreApi';
import { applyEnv, repoRoot } from './env';
import { EventGridWebhook } from './eventGridWebhook';
import { appHookContext, runHooks } from './hooks';
import { readHostJson } from './hostJson';
import { startHttpServer } from './httpServer';
import { HttpTriggers } from './httpTrigger';
import { createLogCollector, type HostLogRecord } from './logs';
import { QueuePoller } from './queuePoller';
import { loadRegistrations, toInfo, type RegisteredFunctionInfo } from './registry';
import { FunctionRunner } from './runtime';
import { TimerTriggers } from './timers';

export type { HostLogRecord } from './logs';
export type { RegisteredFunctionInfo, TriggerBindingInfo } from './registry';
export { loadRegistrations, validateSchedule, SUPPORTED_TRIGGERS } from './registry';

export interface LocalHostOptions {
    /** Folder whose *.ts / *.js modules (not *.d.ts, *.map, *.test.*) are loaded. */
    functionsDir: string;
    /** Merged into process.env while the host runs (restored on stop). */
    env?: Record<string, string>;
    /** Default 7071; 0 = a free port. */
    port?: number;
    /** Default <repo>/host.json. */
    hostJsonPath?: string;
    /** Fire timers on their schedule and honour runOnStartup (default true; tests pass false and use runTimer). */
    runSchedules?: boolean;
    /** Key for authLevel function/admin HTTP triggers (`code` query or `x-functions-key` header); generated when absent. */
    functionKey?: string;
    /** When set, the Event Grid webhook requires it, like the host's `eventgrid_extension` system key. Off by default. */
    eventGridSystemKey?: string;
    log?: (record: HostLogRecord) => void;
    /**
     * Seconds a running queue message is held invisible, renewed at half of it. Azure's listener
     * uses a fixed 10 minutes (the default here); tests shorten it to see renewal at work.
     */
    queueMessageLeaseSeconds?: number;
}

export interface LocalHost {
    /** http://127.0.0.1:<port> */
    readonly baseUrl: string;
    readonly functionKey: string;
    readonly functions: readonly RegisteredFunctionInfo[];
    readonly logs: readonly HostLogRecord[];
    /** Runs a timer-triggered function now; rejects if it fails. */
    runTimer(name: string): Promise<void>;
    /**
     * Resolves when no invocation is in flight and every triggered queue is empty (no visible
     * message and none waiting for a retry); rejects after `timeoutMs` (default 30 s) naming what is pending.
     */
    idle(timeoutMs?: number): Promise<void>;
    /** Stops triggers, waits for running invocations, fires appTerminate hooks, restores the environment. */
    stop(): Promise<void>;
}

function isDisabled(name: string): boolean {
    const value = process.env[`AzureWebJobs.${name}.Disabled`] ?? process.env[`AzureWebJobs_${name}_Disabled`];
    return value !== undefined && ['true', '1'].includes(value.trim().toLowerCase());
}

const ACTIVE_KEY = Symbol.for('acr-guard.local-host.active');
const DRAIN_TIMEOUT_MS = 30_000;

function errorMessage(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
}

/**
 * Starts a local Functions host for the app in `options.functionsDir`: loads its real
 * `@azure/functions` registrations, fires appStart hooks, then serves HTTP and Event Grid
 * triggers, polls queue triggers and schedules timers. One host at a time per process;
 * start/stop/start again is supported.
 */
export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
    const holder = globalThis as unknown as Record<symbol, boolean | undefined>;
    if (holder[ACTIVE_KEY]) throw new Error('A local host is already running in this process; stop it first.');
    holder[ACTIVE_KEY] = true;
    const state = coreState();
    const restoreEnv = applyEnv(options.env);
    const { records, log } = createLogCollector(options.log);
    state.systemLog = (level, _category, message) => log({ level, category: 'system', message });
    const cleanups: (() => Promise<void> | void)[] = [];
    const cleanup = async () => {
        for (const c of cleanups.reverse()) await c();
        state.systemLog = undefined;
        restoreEnv();
        holder[ACTIVE_KEY] = false;
    };
    try {
        const hostConfig = readHostJson(options.hostJsonPath ?? path.join(repoRoot(), 'host.json'));
        const app = await loadRegistrations(options.functionsDir);
        const programmingModel = state.programmingModel;
        if (!programmingModel) {
            throw new Error('"@azure/functions" did not set a programming model: it is in test mode because app.* ran before the local host was imported.');
        }
        const capabilities = (await programmingModel.getCapabilities?.({})) ?? {};
        if (capabilities.HttpUri) throw new Error('app.setup({ enableHttpStream: true }) is not supported by the local host.');
        const hooks: readonly RegisteredHook[] = app.hooks;
        const appHookData: Record<string, unknown> = {};
        const runner = new FunctionRunner({ programmingModel, hooks, appHookData, log }, hostConfig.queues, hostConfig.functionTimeoutMs);
        // Everything that reads settings is built before appStart so a bad setting fails start-up.
        // `AzureWebJobs.<name>.Disabled` (or `AzureWebJobs_<name>_Disabled`) = true turns a function off, as in Azure.
        const enabled = app.functions.filter((f) => !isDisabled(f.name));
        const timers = new TimerTriggers(enabled, runner);
        const pollers = enabled.filter((f) => f.triggerType === 'queueTrigger').map((f) => new QueuePoller(f, runner, hostConfig.queues, log, options.queueMessageLeaseSeconds));
        const functionKey = options.functionKey ?? randomBytes(32).toString('base64url');
        const http = new HttpTriggers(enabled, runner, { functionKey, log });
        const eventGrid = new EventGridWebhook(enabled, runner, { systemKey: options.eventGridSystemKey, log });

        try {
            await runHooks(hooks, 'appStart', appHookContext(appHookData));
        } catch (err) {
            throw new Error(`The app failed to start: an appStart hook threw: ${errorMessage(err)}`, { cause: err });
        }
        cleanups.push(async () => {
            await runHooks(hooks, 'appTerminate', appHookContext(appHookData)).catch((err: unknown) =>
                log({ level: 'error', category: 'host', message: `An appTerminate hook threw: ${errorMessage(err)}` }),
            );
        });
        const server = await startHttpServer({ routePrefix: hostConfig.routePrefix, http, eventGrid, log }, options.port ?? 7071);
        cleanups.push(() => server.close());
        cleanups.push(() => runner.drain(DRAIN_TIMEOUT_MS));
        for (const poller of pollers) {
            await poller.start();
            cleanups.push(() => poller.stop());
        }
        timers.start(options.runSchedules ?? true);
        cleanups.push(() => timers.stop());
        log({ level: 'information', category: 'host', message: `Host started: ${app.functions.length} function(s) from ${app.functionsDir}` });

        let stopped: Promise<void> | undefined;
        return {
            baseUrl: `http://127.0.0.1:${server.port}`,
            functionKey,
            functions: app.functions.map(toInfo),
            logs: records,
            runTimer: (name) => timers.run(name),
            async idle(timeoutMs = 30_000) {
                const deadline = Date.now() + timeoutMs;
                for (;;) {
                    const counts = await Promise.all(pollers.map(async (p) => [p.queueName, await p.pending()] as const));
                    const busy = counts.filter(([, n]) => n > 0);
                    if (runner.inFlight === 0 && busy.length === 0) return;
                    if (Date.now() > deadline) {
                        throw new Error(
                            `The host did not become idle within ${timeoutMs} ms: ${runner.inFlight} invocation(s) running; ` +
                                `queues with messages: ${busy.map(([q, n]) => `${q} (${n})`).join(', ') || 'none'}`,
                        );
                    }
                    await new Promise((r) => setTimeout(r, 50));
                }
            },
            stop() {
                stopped ??= cleanup();
                return stopped;
            },
        };
    } catch (err) {
        await cleanup();
        throw err;
    }
}
