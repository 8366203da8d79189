import path from 'node:path';
import type { TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential } from '@azure/identity';
import { LogsQueryClient } from '@azure/monitor-query-logs';
import { appAlertService } from '../alerts';
import { perApp } from '../app/runtime';
import type { Settings } from '../config/settings';
import { useLivePushObserver } from '../intake/intakeApp';
import { acrAdapters, createAcrAdapters } from '../registry/acrAdapters';
import type { AcrClientOptions } from '../registry/acrConnection';
import { readPolicyFile, type GatePolicy } from '../policy/gatePolicy';
import { TableScanResultStore } from '../results/tableScanResultStore';
import { createTableClient } from '../storage/connection';
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

/**
 * The network identity the gate's Azure clients use: in production the app's managed identity
 * (DefaultAzureCredential) and default TLS. Tests replace exactly this, the network boundary, to
 * reach the local ACR and Log Analytics stand-ins (a fake Entra token, their self-signed CA).
 */
export interface GateNetwork {
    readonly credential: TokenCredential;
    readonly clientOptions?: AcrClientOptions;
}

let network: GateNetwork | undefined;
export function useGateNetwork(n: GateNetwork | undefined): void {
    network = n;
}

/** Log Analytics' query client for the configured endpoint (`<endpoint>/v1/<resourceId>/query`). */
export function createLogsClient(endpoint: string, credential: TokenCredential, clientOptions: AcrClientOptions = {}): LogsQueryClient {
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
    const registry = network ? createAcrAdapters(settings, network.credential, network.clientOptions).registry : acrAdapters().registry;
    const alerts = appAlertService();
    const ledger = new TablePromotionLedger(createTableClient(settings.storage, tables.promotions));
    const locks = new LockStore(createTableClient(settings.storage, tables.locks));
    const prefixes = { quarantinePrefix: settings.quarantinePrefix, livePrefix: settings.livePrefix };
    const promoter = new Promoter({ ledger, registry, alerts, prefixes, log });
    const responder = new BypassResponder({ registry: settings.registryLoginServer, alerts, lockImages: settings.lockBypassedImages, registryPort: registry, locks, log });
    const results = TableScanResultStore.fromConnection(settings.storage);
    let tablesReady: Promise<void> | undefined;
    // Read once per app lifetime; a broken file fails each approval with its reason (and is re-read next time).
    let policy: Promise<GatePolicy> | undefined;
    const policyFile = settings.policyFile;
    const loadPolicy = policyFile
        ? () => {
              policy ??= readPolicyFile(path.resolve(policyFile)).catch((err: unknown) => {
                  policy = undefined;
                  throw err;
              });
              return policy;
          }
        : undefined;
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
                    tablesReady ??= results.ensureTables().catch((err: unknown) => {
                        tablesReady = undefined;
                        throw err;
                    });
                    await tablesReady;
                    return results.getSummary(digest);
                },
            },
            registry: settings.registryLoginServer,
            quarantinePrefix: settings.quarantinePrefix,
            ...(loadPolicy ? { policy: loadPolicy } : {}),
        }),
        reconciler: new Reconciler(
            {
                logs: createLogsClient(settings.logAnalyticsEndpoint, network?.credential ?? new DefaultAzureCredential(), network?.clientOptions),
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
 * Installs the live check into intake's live-push seam (functions/liveCheck.ts calls it at load).
 * The observer resolves the services per call, so settings are read after start-up.
 */
export function installLiveCheck(): void {
    useLivePushObserver({ livePushed: (push, log) => gateServices().liveCheck.livePushed(push, log) });
}
