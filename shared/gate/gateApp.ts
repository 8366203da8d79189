import type { TokenCredential } from '@azure/core-auth';
import { LogsQueryClient } from '@azure/monitor-query-logs';
import { appAlertService } from '../alerts';
import { azureAccess, type AzureClientOptions } from '../app/azureAccess';
import { perApp } from '../app/runtime';
import type { Settings } from '../config/settings';
import { useLivePushObserver } from '../intake/intakeApp';
import { gatePolicy, useVerdictObserver } from '../scan/scanApp';
import { acrAdapters } from '../registry/acrAdapters';
import { TableScanResultStore } from '../results/tableScanResultStore';
import { createTableClient } from '../storage/connection';
import { onceUntilSuccess } from '../storage/onceUntilSuccess';
import { tables } from '../storage/names';
import { ApprovalService } from './approval';
import { BypassResponder } from './bypassResponder';
import { CheckpointStore } from './checkpointStore';
import { LiveCheck } from './liveCheck';
import { LockStore } from './lockStore';
import { Promoter } from './promoter';
import { PromotionObserver } from './promotionObserver';
import { Reconciler } from './reconciler';
import { TablePromotionLedger } from './tablePromotionLedger';

/** Log Analytics' query client for the configured endpoint (`<endpoint>/v1/<resourceId>/query`). */
export function createLogsClient(endpoint: string, credential: TokenCredential, clientOptions: AzureClientOptions = {}): LogsQueryClient {
    const base = endpoint.replace(/\/+$/, '');
    return new LogsQueryClient(credential, {
        ...clientOptions,
        endpoint: `${base}/v1`,
        // The token audience is the query API's own host (public, US Gov and China clouds alike).
        credentials: { scopes: [`${new URL(base).origin}/.default`] },
    });
}

const log = {
    info: (m: string) => console.info(`[gate] ${m}`),
    warn: (m: string) => console.warn(`[gate] ${m}`),
};

function buildGate(settings: Settings) {
    const registry = acrAdapters().registry;
    const azure = azureAccess();
    const alerts = appAlertService();
    const ledger = new TablePromotionLedger(createTableClient(settings.storage, tables.promotions));
    const locks = new LockStore(createTableClient(settings.storage, tables.locks));
    const prefixes = { quarantinePrefix: settings.quarantinePrefix, livePrefix: settings.livePrefix };
    const promoter = new Promoter({ ledger, registry, alerts, prefixes, log });
    const responder = new BypassResponder({ registry: settings.registryLoginServer, alerts, lockImages: settings.lockBypassedImages, registryPort: registry, locks, log });
    const results = TableScanResultStore.fromConnection(settings.storage);
    const resultTablesReady = onceUntilSuccess(() => results.ensureTables());

    return {
        ledger,
        locks,
        promoter,
        responder,
        liveCheck: new LiveCheck(ledger, responder),
        promotionObserver: new PromotionObserver(promoter, { autoPromote: settings.autoPromote, quarantinePrefix: settings.quarantinePrefix, log }),
        approval: new ApprovalService({
            promoter,
            results: {
                getSummary: async (digest) => {
                    await resultTablesReady();
                    return results.getSummary(digest);
                },
            },
            registry: settings.registryLoginServer,
            quarantinePrefix: settings.quarantinePrefix,
            // The policy the scan worker applies (ACR_GUARD_GATE_POLICY_PATH): its maxScanAge decides staleness.
            policy: () => Promise.resolve(gatePolicy()),
        }),
        reconciler: new Reconciler(
            {
                logs: createLogsClient(settings.logAnalyticsEndpoint, azure.credential, azure.clientOptions),
                ledger,
                responder,
                checkpoints: new CheckpointStore(createTableClient(settings.storage, tables.gateCheckpoints)),
            },
            {
                registryResourceId: settings.registryResourceId,
                livePrefix: settings.livePrefix,
                lookbackMinutes: settings.reconcileLookbackMinutes,
                overlapMinutes: settings.reconcileOverlapMinutes,
                log,
            },
        ),
    };
}

/** The gate's services, built once per app lifetime from the settings. */
export const gateServices = perApp(buildGate);

/**
 * Installs the live check into intake's live-push seam (functions/index.ts calls it at load).
 * The observer resolves the services per call, so settings are read after start-up.
 */
export function installLiveCheck(): void {
    useLivePushObserver({ livePushed: (push, log) => gateServices().liveCheck.livePushed(push, log) });
}

let promotionInstalled = false;
/** Registers auto-promotion as a verdict observer of the scan worker (functions/index.ts calls it at load). */
export function installPromotion(): void {
    if (promotionInstalled) return;
    promotionInstalled = true;
    useVerdictObserver({ onVerdict: (event) => gateServices().promotionObserver.onVerdict(event) });
}
