import Module from 'node:module';
import * as path from 'node:path';
import type {
    Disposable,
    FunctionCallback,
    FunctionMetadata,
    HookCallback,
    ProgrammingModel,
    RpcLogCategory,
    RpcLogLevel,
} from './coreTypes';

/**
 * Provides `@azure/functions-core` the way the Functions Node worker does (worker
 * `src/setupCoreModule.ts`): a proxy on `Module.prototype.require` answers that module name with
 * our core API object. `@azure/functions` looks the module up lazily on its first `app.*` call and
 * caches the answer (even null) for the life of the process, so this must be installed before any
 * function module registers, and the object must stay the same across re-imports of this file:
 * everything lives on `globalThis`.
 */

export interface RegisteredCallback {
    readonly metadata: FunctionMetadata;
    readonly callback: FunctionCallback;
    /** Files that caused the registration (the module being loaded, or the caller's stack). */
    readonly origins: readonly string[];
}

export interface RegisteredHook {
    readonly hookName: string;
    readonly callback: HookCallback;
    readonly origins: readonly string[];
}

export interface CoreState {
    programmingModel?: ProgrammingModel;
    readonly functions: Map<string, RegisteredCallback>;
    hooks: RegisteredHook[];
    /** The module file the loader is evaluating right now, if any. */
    loading?: string;
    /** Function names registered while evaluating `loading` (a name twice in one module is a duplicate). */
    readonly loadingNames: Set<string>;
    /** System log lines from the library (e.g. "HTTP streaming enabled"). */
    systemLog?: (level: RpcLogLevel, category: RpcLogCategory, message: string) => void;
    readonly coreApi: Record<string, unknown>;
}

const STATE_KEY = Symbol.for('acr-guard.local-host.functions-core');
const ownDir = __dirname;

function callerFiles(): string[] {
    const stack = new Error().stack ?? '';
    const files: string[] = [];
    for (const match of stack.matchAll(/(?:\(|at )((?:file:\/\/)?\/[^():]+):\d+:\d+\)?/g)) {
        let file = match[1] ?? '';
        if (file.startsWith('file://')) file = new URL(file).pathname;
        if (file.includes(`${path.sep}node_modules${path.sep}`) || file.startsWith(ownDir)) continue;
        if (!files.includes(file)) files.push(file);
    }
    return files;
}

function originsNow(state: CoreState): string[] {
    return state.loading ? [state.loading] : callerFiles();
}

class CoreDisposable implements Disposable {
    static from(...items: { dispose(): unknown }[]): CoreDisposable {
        return new CoreDisposable(() => items.forEach((i) => i.dispose()));
    }
    #done = false;
    constructor(private readonly onDispose: () => void) {}
    dispose(): void {
        if (this.#done) return;
        this.#done = true;
        this.onDispose();
    }
}

function createState(): CoreState {
    const state: CoreState = { functions: new Map(), hooks: [], coreApi: {}, loadingNames: new Set() };
    Object.assign(state.coreApi, {
        version: '4.0.0-local-host',
        hostVersion: '4.1000.0-local-host',
        Disposable: CoreDisposable,
        setProgrammingModel(model: ProgrammingModel) {
            state.programmingModel = model;
        },
        getProgrammingModel() {
            return state.programmingModel;
        },
        log(level: RpcLogLevel, category: RpcLogCategory, message: string) {
            state.systemLog?.(level, category, message);
        },
        registerFunction(metadata: FunctionMetadata, callback: FunctionCallback): Disposable {
            const origins = originsNow(state);
            const key = metadata.name.toLowerCase();
            const existing = state.functions.get(key);
            // The same module evaluated again (a fresh vitest module graph) replaces its own
            // registration; another module, or the same one twice, using the name is the
            // duplicate the worker rejects.
            const twiceInThisLoad = state.loading !== undefined && state.loadingNames.has(key);
            if (state.loading) state.loadingNames.add(key);
            if (existing && (twiceInThisLoad || existing.origins.join('|') !== origins.join('|'))) {
                throw new Error(
                    `A function with the name "${metadata.name}" has already been registered ` +
                        `(by ${existing.origins[0] ?? 'an unknown module'}).`,
                );
            }
            const entry: RegisteredCallback = { metadata, callback, origins };
            state.functions.set(metadata.name.toLowerCase(), entry);
            return new CoreDisposable(() => {
                if (state.functions.get(metadata.name.toLowerCase()) === entry) {
                    state.functions.delete(metadata.name.toLowerCase());
                }
            });
        },
        registerHook(hookName: string, callback: HookCallback): Disposable {
            const origins = originsNow(state);
            const hook: RegisteredHook = { hookName, callback, origins };
            state.hooks.push(hook);
            return new CoreDisposable(() => {
                state.hooks = state.hooks.filter((h) => h !== hook);
            });
        },
    });
    return state;
}

/** The process-wide registry; installs the `@azure/functions-core` provider on first use. */
export function coreState(): CoreState {
    const holder = globalThis as unknown as Record<symbol, CoreState | undefined>;
    let state = holder[STATE_KEY];
    if (!state) {
        state = createState();
        holder[STATE_KEY] = state;
        const coreApi = state.coreApi;
        const proto = Module.prototype as unknown as { require: (id: string) => unknown };
        proto.require = new Proxy(proto.require, {
            apply(target, thisArg, args: unknown[]) {
                if (args[0] === '@azure/functions-core') return coreApi;
                return Reflect.apply(target, thisArg, args);
            },
        });
    }
    return state;
}

// Installing on import means `import '<repo>/local-host'` before any function module is enough.
coreState();
