import { appAlertService } from '../alerts/createAlertService';
import { azureAccess } from '../app/azureAccess';
import { perApp } from '../app/runtime';
import type { Settings } from '../config/settings';
import { createLogsClient } from '../gate/gateApp';
import { acrAdapters } from '../registry/acrAdapters';
import { TableScanResultStore } from '../results/tableScanResultStore';
import { gatePolicy, useVerdictObserver } from '../scan/scanApp';
import { createQueueClient, createTableClient } from '../storage/connection';
import { queues, tables } from '../storage/names';
import { LogAnalyticsLiveImages } from './logAnalyticsLiveImages';
import type { LiveImageSource } from './liveImage';
import { NewVulnerabilityObserver } from './newVulnerabilityObserver';
import { RegistryLiveImages } from './registryLiveImages';
import { TableRescanLedger } from './rescanLedger';
import { RescanSelection } from './rescanSelection';

/*
 * Continuous scanning as the app wires it: the selection timer (functions/rescanSelection.ts)
 * and the new-vulnerability observer on the scan pipeline (registered by that function module).
 * Azure clients reach Azure through the app's azureAccess() (tests: useAzureAccess).
 */
const HOUR_MS = 3_600_000;

function liveImageSource(settings: Settings): LiveImageSource {
    if (settings.rescanSelection === 'pulled') {
        const azure = azureAccess();
        const client = createLogsClient(settings.logAnalyticsEndpoint, azure.credential, azure.clientOptions);
        return new LogAnalyticsLiveImages(client, settings.registryResourceId, settings.livePrefix, settings.rescanPulledWithinDays);
    }
    return new RegistryLiveImages(acrAdapters().registry, settings.livePrefix);
}

/** The selection service of the running app, built once from the settings. */
export const rescanSelection = perApp(
    (settings) =>
        new RescanSelection({
            mode: settings.rescanSelection,
            source: liveImageSource(settings),
            store: TableScanResultStore.fromConnection(settings.storage),
            ledger: new TableRescanLedger(createTableClient(settings.storage, tables.rescanRequests), createTableClient(settings.storage, tables.rescanRuns)),
            queue: createQueueClient(settings.storage, queues.rescanRequests),
            registry: settings.registryLoginServer,
            minIntervalMs: settings.rescanMinIntervalHours * HOUR_MS,
            maxVerdictAgeMs: settings.rescanMaxVerdictAgeDays * 24 * HOUR_MS,
            perMinute: settings.rescanPerMinute,
        }),
);

export const newVulnerabilityObserver = perApp(() => new NewVulnerabilityObserver(appAlertService(), gatePolicy));

let registered = false;
/** Adds the new-vulnerability observer to the scan pipeline's observers (once per process). */
export function registerNewVulnerabilityObserver(): void {
    if (registered) return;
    registered = true;
    // Resolved per verdict, not at import: settings are read at start-up.
    useVerdictObserver({ onVerdict: (event) => newVulnerabilityObserver().onVerdict(event) });
}
