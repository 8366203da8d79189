import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { Cron } from 'croner';
import { coreState, type RegisteredHook } from './coreApi';
import type { FunctionCallback, RpcBindingInfo } from './coreTypes';

/** The trigger kinds this host can drive, by binding type. */
export const SUPPORTED_TRIGGERS = ['httpTrigger', 'eventGridTrigger', 'queueTrigger', 'timerTrigger'] as const;
export type SupportedTrigger = (typeof SUPPORTED_TRIGGERS)[number];
/** Non-trigger bindings the host honours: the HTTP response and Storage queue outputs. */
const SUPPORTED_OTHER_BINDINGS = ['http', 'queue'];

export interface TriggerBindingInfo {
    readonly name: string;
    readonly type: SupportedTrigger;
    readonly queueName?: string;
    readonly connection?: string;
    readonly schedule?: string;
    readonly runOnStartup?: boolean;
    readonly route?: string;
    readonly methods?: readonly string[];
    readonly authLevel?: string;
    readonly [key: string]: unknown;
}

export interface RegisteredFunctionInfo {
    readonly name: string;
    readonly triggerType: SupportedTrigger;
    readonly trigger: TriggerBindingInfo;
    /** Every binding by its generated name (`$return` for the return value). */
    readonly bindings: Readonly<Record<string, RpcBindingInfo>>;
    readonly retryOptions?: unknown;
    /** The module file(s) the registration came from. */
    readonly origins: readonly string[];
}

export interface RegisteredFunction extends RegisteredFunctionInfo {
    readonly callback: FunctionCallback;
    readonly metadata: { name: string; bindings: Record<string, RpcBindingInfo>; retryOptions?: unknown };
}

export interface LoadedApp {
    readonly functionsDir: string;
    readonly functions: readonly RegisteredFunction[];
    readonly hooks: readonly RegisteredHook[];
}

const underVitest = () => Boolean(process.env.VITEST);

/** The module files of a functions folder, `index` first (app hooks), the rest alphabetically. */
export function functionModuleFiles(functionsDir: string): string[] {
    const all = fs.readdirSync(functionsDir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
    const loadable = all.filter((n) => {
        if (n.endsWith('.d.ts') || n.endsWith('.map') || /\.test\.|\.spec\./.test(n)) return false;
        // Node loads compiled .js; vitest transforms .ts itself (and prefers it over a stale .js twin).
        if (n.endsWith('.js')) return !(underVitest() && all.includes(n.replace(/\.js$/, '.ts')));
        return n.endsWith('.ts') && underVitest();
    });
    const base = (n: string) => n.replace(/\.(ts|js)$/, '');
    loadable.sort((a, b) => (base(a) === 'index' ? -1 : base(b) === 'index' ? 1 : a.localeCompare(b)));
    return loadable.map((n) => path.join(functionsDir, n));
}

async function loadModule(file: string): Promise<void> {
    if (file.endsWith('.ts')) {
        await import(file);
    } else {
        createRequire(file)(file);
    }
}

const within = (dir: string) => (file: string) => file === dir || file.startsWith(dir + path.sep);

/** A six-field NCRONTAB expression, as the timer trigger requires (`{second} {minute} {hour} {day} {month} {day-of-week}`). */
export function validateSchedule(functionName: string, schedule: string): void {
    const fields = schedule.trim().split(/\s+/);
    if (fields.length !== 6) {
        throw new Error(
            `Function "${functionName}": timer schedule "${schedule}" is not a six-field NCRONTAB expression ` +
                `("{second} {minute} {hour} {day} {month} {day-of-week}"); it has ${fields.length} field(s).`,
        );
    }
    try {
        new Cron(schedule, { paused: true, timezone: 'UTC' }).stop();
    } catch (err) {
        throw new Error(`Function "${functionName}": timer schedule "${schedule}" is invalid: ${(err as Error).message}`);
    }
}

function describe(entry: ReturnType<typeof coreState>['functions'] extends Map<string, infer V> ? V : never): RegisteredFunction {
    const { metadata } = entry;
    const bindings = metadata.bindings ?? {};
    const triggers = Object.entries(bindings).filter(([, b]) => typeof b.type === 'string' && /Trigger$/i.test(b.type));
    if (triggers.length !== 1) {
        throw new Error(`Function "${metadata.name}" must have exactly one trigger binding; it has ${triggers.length}.`);
    }
    const [triggerName, triggerBinding] = triggers[0]!;
    const type = String(triggerBinding.type);
    if (!(SUPPORTED_TRIGGERS as readonly string[]).includes(type)) {
        throw new Error(
            `Function "${metadata.name}" uses the trigger type "${type}", which the local host does not support ` +
                `(supported: ${SUPPORTED_TRIGGERS.join(', ')}).`,
        );
    }
    for (const [name, b] of Object.entries(bindings)) {
        if (name === triggerName) continue;
        if (!SUPPORTED_OTHER_BINDINGS.includes(String(b.type)) || b.direction !== 'out') {
            throw new Error(
                `Function "${metadata.name}" uses the ${b.direction ?? ''} binding "${String(b.type)}", which the local host ` +
                    `does not support (supported: http and queue outputs; use SDK clients for the rest).`,
            );
        }
    }
    const trigger = { ...triggerBinding, name: triggerName, type } as TriggerBindingInfo;
    if (type === 'timerTrigger') {
        const schedule = String(trigger.schedule ?? '');
        // %Setting% schedules are resolved (and validated) when the host starts.
        if (!/^%[^%]+%$/.test(schedule)) validateSchedule(metadata.name, schedule);
    }
    if (type === 'queueTrigger' && (!trigger.queueName || !trigger.connection)) {
        throw new Error(`Function "${metadata.name}": a queue trigger needs both queueName and connection.`);
    }
    return {
        name: metadata.name,
        triggerType: type as SupportedTrigger,
        trigger,
        bindings,
        retryOptions: metadata.retryOptions,
        origins: entry.origins,
        callback: entry.callback,
        metadata,
    };
}

/**
 * Loads every function module of `functionsDir` (once per process: modules are cached) and
 * returns the registrations and hooks that came from it, validated: supported trigger kinds
 * and bindings, six-field NCRONTAB schedules, queue triggers with a queue and a connection.
 */
export function loadRegistrations(functionsDir: string): Promise<LoadedApp> {
    // Loads are serialized: registrations are attributed to the module being evaluated.
    const next = loadChain.then(() => loadRegistrationsNow(functionsDir));
    loadChain = next.catch(() => undefined);
    return next;
}

let loadChain: Promise<unknown> = Promise.resolve();

async function loadRegistrationsNow(functionsDir: string): Promise<LoadedApp> {
    const dir = path.resolve(functionsDir);
    const state = coreState();
    const files = functionModuleFiles(dir);
    if (files.length === 0) throw new Error(`No function modules (*.ts / *.js) found in ${dir}.`);
    for (const file of files) {
        const hooksBefore = new Set(state.hooks);
        state.loading = file;
        state.loadingNames.clear();
        try {
            await loadModule(file);
        } finally {
            state.loading = undefined;
        }
        // A module evaluated again (new vitest module graph) registered its hooks anew: drop the old ones.
        const fresh = state.hooks.filter((h) => !hooksBefore.has(h) && h.origins[0] === file);
        if (fresh.length > 0) {
            state.hooks = state.hooks.filter((h) => !(hooksBefore.has(h) && h.origins.length === 1 && h.origins[0] === file));
        }
    }
    const mine = within(dir);
    const functions = [...state.functions.values()].filter((f) => f.origins.some(mine)).map(describe);
    if (functions.length === 0) {
        throw new Error(
            `No functions were registered from ${dir}. If "@azure/functions" switched to test mode, something ` +
                `called app.* before the local host was imported: import "local-host" first.`,
        );
    }
    functions.sort((a, b) => a.name.localeCompare(b.name));
    const hooks = state.hooks.filter((h) => h.origins.some(mine));
    return { functionsDir: dir, functions, hooks };
}

/** The public description of a function (no callback). */
export function toInfo(fn: RegisteredFunction): RegisteredFunctionInfo {
    const { callback: _callback, metadata: _metadata, ...info } = fn;
    return info;
}
