import { perApp } from '../app/runtime';
import { createQueueClient, createTableClient } from '../storage/connection';
import { queues, tables } from '../storage/names';
import { IntakeService } from './intakeService';
import { ignoreLivePushes, type LivePushObserver } from './livePushObserver';
import { QueueScanRequestSink } from './scanRequestSink';
import { TableRegistryEventStore } from './tableEventStore';

/**
 * The live-check seam as the app wires it. The app's composition (functions/index.ts, through the
 * gate's installLiveCheck) replaces the default before the first event arrives.
 */
let livePushObserver: LivePushObserver = ignoreLivePushes;
export function useLivePushObserver(observer: LivePushObserver): void {
    livePushObserver = observer;
}

/** The intake service of the running app, built once from the settings. */
export const intakeService = perApp(
    (settings) =>
        new IntakeService({
            store: new TableRegistryEventStore(createTableClient(settings.storage, tables.registryEvents)),
            scanRequests: new QueueScanRequestSink(createQueueClient(settings.storage, queues.scanRequests)),
            livePushes: { livePushed: (push, log) => livePushObserver.livePushed(push, log) },
            rules: {
                quarantinePrefix: settings.quarantinePrefix,
                livePrefix: settings.livePrefix,
                otherRepositories: settings.otherRepositories,
            },
            defaultRegistry: settings.registryLoginServer,
        }),
);
