import type { TableClient } from '@azure/data-tables';
import { createAzureAccess, type AzureAccess } from '../azure/azureAccess';
import type { Settings } from '../config/settings';
import { createTableClient } from '../storage/storageClients';
import { tables } from '../storage/names';
import type { AlertSink } from './alertSink';
import { AlertService, type AlertServiceOptions } from './alertService';
import { AlertStore } from './alertStore';
import { createEventGridSink } from './eventGridSink';
import { createLogSink, type LogWriter } from './logSink';
import { createWebhookSink } from './webhookSink';

/** The settings the alert subsystem reads (see shared/config/settings.ts, "Alerts"). */
export type AlertSettings = Pick<
    Settings,
    'storage' | 'alertTopicEndpoint' | 'alertWebhookUrl' | 'alertWebhookFormat' | 'alertWebhookTimeoutSeconds'
>;

export interface AlertServiceDeps extends Omit<AlertServiceOptions, 'store' | 'sinks'> {
    /** Defaults to the `Alerts` table on the app's storage connection. */
    readonly tableClient?: TableClient;
    /**
     * How the Event Grid sink reaches its topic (credential and client options, e.g. tlsOptions for a
     * local topic with a self-signed certificate). The composition root passes the app's access; default: the
     * production access for these settings (createAzureAccess).
     */
    readonly azure?: Pick<AzureAccess, 'credential' | 'clientOptions'>;
    /** Where the log sink writes; default console.warn. */
    readonly logWriter?: LogWriter;
    /** More sinks (after the configured ones), e.g. a timestamping sink for the benchmark. */
    readonly extraSinks?: readonly AlertSink[];
}

/** The sinks the settings ask for: log (always), Event Grid topic and webhook when configured. */
export function createAlertSinks(settings: AlertSettings, deps: AlertServiceDeps = {}): AlertSink[] {
    const sinks: AlertSink[] = [createLogSink(deps.logWriter)];
    if (settings.alertTopicEndpoint) {
        const azure = deps.azure ?? createAzureAccess(settings.storage);
        sinks.push(createEventGridSink({ endpoint: settings.alertTopicEndpoint, credential: azure.credential, clientOptions: azure.clientOptions }));
    }
    if (settings.alertWebhookUrl) {
        sinks.push(
            createWebhookSink({
                url: settings.alertWebhookUrl,
                format: settings.alertWebhookFormat,
                timeoutMs: settings.alertWebhookTimeoutSeconds * 1000,
            }),
        );
    }
    return [...sinks, ...(deps.extraSinks ?? [])];
}

export function createAlertService(settings: AlertSettings, deps: AlertServiceDeps = {}): AlertService {
    return new AlertService({
        store: new AlertStore(deps.tableClient ?? createTableClient(settings.storage, tables.alerts)),
        sinks: createAlertSinks(settings, deps),
        ...(deps.retry ? { retry: deps.retry } : {}),
        ...(deps.leaseMs !== undefined ? { leaseMs: deps.leaseMs } : {}),
        ...(deps.now ? { now: deps.now } : {}),
        ...(deps.sleep ? { sleep: deps.sleep } : {}),
        ...(deps.onHandedToSink ? { onHandedToSink: deps.onHandedToSink } : {}),
        ...(deps.log ? { log: deps.log } : {}),
    });
}
