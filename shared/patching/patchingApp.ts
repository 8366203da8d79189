import { appAlertService } from '../alerts/createAlertService';
import { azureAccess } from '../app/azureAccess';
import { perApp } from '../app/runtime';
import type { Settings } from '../config/settings';
import { acrAdapters } from '../registry/acrAdapters';
import type { Registry } from '../registry/registry';
import type { Scanner } from '../registry/scanner';
import type { TaskRunner } from '../registry/taskRunner';
import type { ScanResultStore } from '../results/scanResultStore';
import { TableScanResultStore } from '../results/tableScanResultStore';
import { createQueueClient, createTableClient } from '../storage/connection';
import { queues, tables } from '../storage/names';
import { onceUntilSuccess } from '../storage/onceUntilSuccess';
import { parseSchedule } from './schedule';
import type { PatchCycleDeps } from './patchCycle';
import { QueuePatchRequestSink } from './patchRequestSink';
import { PatchCycleStore, PatchRunStore } from './patchRunStore';
import { PatchVerificationObserver } from './patchVerifier';
import { PatchWorker, type AlertRaiser } from './patchWorker';
import { registryTagSource } from './registryTagSource';

/** The ports continuous patching acts through: the app's ACR adapters, the results store, the app's alerts. */
export interface PatchingAdapters {
    readonly registry: Registry;
    readonly taskRunner: TaskRunner;
    readonly scanner: Scanner;
    readonly results: Pick<ScanResultStore, 'getSummary' | 'listFindings'>;
    readonly alerts: AlertRaiser;
}

/** The results store, with its tables created on first use (Azure has them from infra/; Azurite starts empty). */
function resultsStore(settings: Settings): Pick<ScanResultStore, 'getSummary' | 'listFindings'> {
    const store = TableScanResultStore.fromConnection(settings.storage);
    const ensure = onceUntilSuccess(() => store.ensureTables());
    return {
        getSummary: async (digest) => (await ensure(), store.getSummary(digest)),
        listFindings: async (digest) => (await ensure(), store.listFindings(digest)),
    };
}

function appAdapters(settings: Settings): PatchingAdapters {
    const acr = acrAdapters();
    return { registry: acr.registry, taskRunner: acr.taskRunner, scanner: acr.scanner, results: resultsStore(settings), alerts: appAlertService() };
}

export interface Patching {
    readonly settings: Settings;
    readonly adapters: PatchingAdapters;
    readonly runs: PatchRunStore;
    readonly cycleDeps: PatchCycleDeps;
    readonly worker: PatchWorker;
    readonly verifier: PatchVerificationObserver;
}

/** Continuous patching as the app wires it, built once per app lifetime. */
export const patching = perApp((settings): Patching => {
    const adapters = appAdapters(settings);
    // A running patch run is an Azure operation looked at like any other: the app's poll interval
    // (tests: 1 ms, so 0 s) when one is set, else the worker's default of 60 s.
    const poll = azureAccess().pollIntervalMs;
    const runs = new PatchRunStore(createTableClient(settings.storage, tables.patchRuns));
    const requests = new QueuePatchRequestSink(createQueueClient(settings.storage, queues.patchRequests));
    const schedule = parseSchedule(settings.patchSchedule);
    if (!schedule.ok) throw new Error(`ACR_GUARD_PATCH_SCHEDULE: ${schedule.error}`);
    const layout = { quarantinePrefix: settings.quarantinePrefix, livePrefix: settings.livePrefix };
    return {
        settings,
        adapters,
        runs,
        cycleDeps: {
            config: settings.patchConfig,
            everyDays: schedule.days,
            registry: settings.registryLoginServer,
            tagSource: registryTagSource(adapters.registry),
            cycles: new PatchCycleStore(createTableClient(settings.storage, tables.patchCycles)),
            requests,
            runsPerMinute: settings.patchRunsPerMinute,
        },
        worker: new PatchWorker({
            registry: adapters.registry,
            scanner: adapters.scanner,
            results: adapters.results,
            runner: adapters.taskRunner,
            runs,
            requests,
            alerts: adapters.alerts,
            layout,
            images: { trivyImage: settings.trivyImage, dbRepositories: settings.trivyDbRepositories, copaImage: settings.copaImage, buildkitImage: settings.buildkitImage },
            ...(poll !== undefined ? { checkDelaySeconds: Math.round(poll / 1000) } : {}),
        }),
        verifier: new PatchVerificationObserver({ runs, results: adapters.results, alerts: adapters.alerts, quarantinePrefix: settings.quarantinePrefix }),
    };
});

/** The observer the scan pipeline calls after each recorded verdict (register it with the scan app). */
export const patchVerificationObserver = {
    onVerdict: (event: Parameters<PatchVerificationObserver['onVerdict']>[0]) => patching().verifier.onVerdict(event),
};
