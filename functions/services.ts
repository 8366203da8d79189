import * as path from 'node:path';
import type { AzureAccess } from '../shared/azure/azureAccess';
import type { AppServices } from '../shared/app/createServices';
import type { VerdictObserver } from '../shared/scan/verdictObserver';
import { appRoot } from '../shared/app/appRoot';

/*
 * The running app's one AppServices, built by the appStart hook (functions/index.ts) from the
 * environment and the production Azure access, dropped by appTerminate. Function modules call
 * `services()`; they hold no services of their own.
 *
 * The modules behind it are imported when the hook runs, not when this file loads: the Functions
 * worker loads every function module at start, and those should cost little more than their
 * registrations (`npm run bench -- coldStart` measures it).
 */

/**
 * What the local host in tests may change about the composition, set before the host starts:
 * the Azure access (a fake Entra token and trust in the local HTTPS stand-ins' certificates),
 * another host.json, extra verdict observers. Nothing in Azure sets it.
 */
export interface CompositionOverrides {
    readonly access?: AzureAccess;
    readonly hostJsonPath?: string;
    readonly extraVerdictObservers?: readonly VerdictObserver[];
}

let current: AppServices | undefined;
let overrides: CompositionOverrides = {};

/** The app's services; throws when called before the appStart hook built them. */
export function services(): AppServices {
    if (!current) throw new Error('acr-guard services were used before the appStart hook built them');
    return current;
}

/** Parses the settings and builds the composition (the appStart hook). Throws, naming the problem, on a bad setting or file. */
export async function startServices(env: Record<string, string | undefined> = process.env): Promise<AppServices> {
    const [{ loadSettings }, { createServices }] = await Promise.all([import('../shared/config/settings.js'), import('../shared/app/createServices.js')]);
    const settings = loadSettings(env);
    const access = overrides.access ?? (await import('../shared/azure/azureAccess.js')).createAzureAccess(settings.storage);
    const root = appRoot();
    current = createServices(settings, access, {
        appRoot: root,
        hostJsonPath: overrides.hostJsonPath ?? path.join(root, 'host.json'),
        ...(overrides.extraVerdictObservers ? { extraVerdictObservers: overrides.extraVerdictObservers } : {}),
    });
    return current;
}

/** Forgets the services (the appTerminate hook); the next start builds them again. */
export function stopServices(): void {
    current = undefined;
}

/** Tests: the overrides the next startServices uses (undefined restores production). */
export function overrideComposition(next: CompositionOverrides | undefined): void {
    overrides = next ?? {};
}
