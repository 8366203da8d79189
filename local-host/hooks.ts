import type { RegisteredHook } from './coreApi';

export type HookName = 'appStart' | 'appTerminate' | 'preInvocation' | 'postInvocation';

/**
 * Runs the app's hooks of one kind in registration order, awaiting each, like the worker does.
 * The context object is the worker's core hook context: `@azure/functions` wraps it (e.g. in
 * `PreInvocationContext`) and writes changes (functionHandler, inputs, result, error) back into it.
 */
export async function runHooks(hooks: readonly RegisteredHook[], name: HookName, context: Record<string, unknown>): Promise<void> {
    for (const hook of hooks) {
        if (hook.hookName === name) await hook.callback(context);
    }
}

/** The app-level hook context (appStart / appTerminate); `appHookData` is shared with invocation hooks. */
export function appHookContext(appHookData: Record<string, unknown>): Record<string, unknown> {
    return { hookData: appHookData, appHookData };
}
