import * as path from 'node:path';
import { appAlertService } from '../alerts/createAlertService';
import { perApp } from '../app/runtime';
import { acrAdapters } from '../registry/acrAdapters';
import { TableScanResultStore } from '../results/tableScanResultStore';
import { appRoot } from './appRoot';
import { loadGatePolicy } from './gatePolicySource';
import { readMaxDequeueCount } from './hostRetries';
import { messageParking } from '../app/messageParking';
import { ScanAlertObserver } from './scanAlertObserver';
import { ScanPipeline } from './scanPipeline';
import type { VerdictObserver } from './verdictObserver';

/*
 * The scan worker as the app wires it. Composition, in one place:
 * - verdict observers: the built-in ScanAlertObserver, then every `useVerdictObserver` registration
 *   in order (the gate's promotion observer, patch verification, continuous scanning's new-findings
 *   alerts). Registrations live in functions/index.ts, the app's one composition file:
 *       useVerdictObserver({ onVerdict: (event) => promotionService().onVerdict(event) });
 *   (resolve your perApp services inside onVerdict, not at import: settings are read at start-up).
 * - the scanner: the app's AcrTaskScanner (acrAdapters), which reaches Azure through azureAccess()
 *   (tests point it at the ACR test server with useAzureAccess, shared/app/azureAccess.ts).
 * - host.json: <app root>/host.json, read once per app (useHostJson points elsewhere for tests
 *   whose local host runs with a different host.json).
 */
const observers: VerdictObserver[] = [];

/** Adds a verdict observer (called after the built-in alert observer). Returns a function that removes it. */
export function useVerdictObserver(observer: VerdictObserver): () => void {
    observers.push(observer);
    return () => {
        const i = observers.indexOf(observer);
        if (i >= 0) observers.splice(i, 1);
    };
}

let hostJsonOverride: string | undefined;
/** Reads maxDequeueCount from this host.json instead of <app root>/host.json (for the next app start). */
export function useHostJson(file: string | undefined): void {
    hostJsonOverride = file;
}

/** The gate policy, loaded and validated once per app (functions/scanWorker.ts forces it at start-up). */
export const gatePolicy = perApp((settings) => loadGatePolicy(settings.gatePolicyPath, appRoot()));

/** host.json extensions.queues.maxDequeueCount, read once per app. */
export const maxDequeueCount = perApp(() => readMaxDequeueCount(hostJsonOverride ?? path.join(appRoot(), 'host.json')));

export const scanAlertObserver = perApp((settings) => new ScanAlertObserver(appAlertService(), settings.quarantinePrefix));

/** The scan pipeline of the running app, built once from the settings. */
export const scanPipeline = perApp(
    (settings) =>
        new ScanPipeline({
            scanner: { scan: (request) => acrAdapters().scanner.scan(request) },
            store: TableScanResultStore.fromConnection(settings.storage),
            policy: gatePolicy(),
            observers: () => [scanAlertObserver(), ...observers],
            maxDequeueCount: maxDequeueCount(),
            parking: messageParking(),
        }),
);
