import { LogsQueryClient } from '@azure/monitor-query-logs';
import { appAlertService } from '../alerts/createAlertService';
import { perApp } from '../app/runtime';
import type { Settings } from '../config/settings';
import { acrAdapters, defaultCredential } from '../registry/acrAdapters';
import type { Registry } from '../registry/registry';
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
 * Tests replace the registry and the Logs client (both need a credential and TLS trust the app's
 * defaults do not have) with useRescanRegistry / useLogsQueryClient.
 */
const HOUR_MS = 3_600_000;

let registryOverride: Pick<Registry, 'listRepositories' | 'listTags'> | undefined;
export function useRescanRegistry(registry: Pick<Registry, 'listRepositories' | 'listTags'> | undefined): void {
    registryOverride = registry;
}

let logsOverride: Pick<LogsQueryClient, 'queryResource'> | undefined;
export function useLogsQueryClient(client: Pick<LogsQueryClient, 'queryResource'> | undefined): void {
    logsOverride = client;
}

/** The Log Analytics query API (api-version path included, as LogsQueryClient's `endpoint` wants it). */
const LOGS_ENDPOINT = 'https://api.loganalytics.io/v1';

function liveImageSource(settings: Settings): LiveImageSource {
    if (settings.rescanSelection === 'pulled') {
        const client = logsOverride ?? new LogsQueryClient(defaultCredential(), { endpoint: LOGS_ENDPOINT });
        return new LogAnalyticsLiveImages(client, settings.registryResourceId, settings.livePrefix, settings.rescanPulledWithinDays);
    }
    return new RegistryLiveImages(registryOverride ?? acrAdapters().registry, settings.livePrefix);
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
