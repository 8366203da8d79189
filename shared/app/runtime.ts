import { loadSettings, type Settings } from '../config/settings';

/**
 * The app's composition root. Settings are parsed once per app lifetime (functions/index.ts
 * forces it in the appStart hook, so a bad setting fails start-up with a message naming it);
 * each feature builds its adapters lazily with `perApp`, so no central file lists them all.
 */
let current: Settings | undefined;
let generation = 0;

export function appSettings(): Settings {
    current ??= loadSettings(process.env);
    return current;
}

/** Forget settings and every perApp instance (the appTerminate hook calls this). */
export function resetApp(): void {
    current = undefined;
    generation += 1;
}

/** Memoizes `factory(appSettings())` for the lifetime of the app. */
export function perApp<T>(factory: (settings: Settings) => T): () => T {
    let cached: { generation: number; value: T } | undefined;
    return () => {
        if (!cached || cached.generation !== generation) {
            cached = { generation, value: factory(appSettings()) };
        }
        return cached.value;
    };
}
