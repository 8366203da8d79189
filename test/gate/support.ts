import { randomBytes } from 'node:crypto';
import { createAlertService, type AlertService } from '../../shared/alerts';
import { AlertStore } from '../../shared/alerts/alertStore';
import { BypassResponder } from '../../shared/gate/bypassResponder';
import { CheckpointStore } from '../../shared/gate/checkpointStore';
import { LockStore } from '../../shared/gate/lockStore';
import { Promoter } from '../../shared/gate/promoter';
import { TablePromotionLedger } from '../../shared/gate/tablePromotionLedger';
import { AcrRegistry } from '../../shared/registry/acrRegistry';
import { readStorageConnection } from '../../shared/config/storageConnection';
import type { AcrServer } from '../acr-server/acrServer';
import { azuriteTable } from '../support/intakeFixtures';
import { testAcrConnection } from '../support/testAzureAccess';

export const PREFIXES = { quarantinePrefix: 'quarantine/', livePrefix: 'live/' } as const;

/** The gate's parts on fresh tables of the test Azurite (created, as provisioning does), against a running ACR stand-in. */
export async function gateParts(connectionString: string, server: AcrServer, options: { lockImages?: boolean } = {}) {
    const suffix = randomBytes(5).toString('hex');
    const alertsTable = azuriteTable(connectionString, `GateAlerts${suffix}`);
    const storage = readStorageConnection('TEST', { TEST: connectionString });
    const alerts: AlertService = createAlertService(
        { storage, alertTopicEndpoint: undefined, alertWebhookUrl: undefined, alertWebhookFormat: 'auto', alertWebhookTimeoutSeconds: 10 },
        { tableClient: alertsTable, logWriter: () => {} },
    );
    const acr = testAcrConnection(server);
    const registry = new AcrRegistry(acr, { importPollIntervalMs: 1 });
    const ledger = new TablePromotionLedger(azuriteTable(connectionString, `Promotions${suffix}`));
    const locks = new LockStore(azuriteTable(connectionString, `Locks${suffix}`));
    const checkpoints = new CheckpointStore(azuriteTable(connectionString, `Checkpoints${suffix}`));
    await Promise.all([alertsTable, ...[`Promotions${suffix}`, `Locks${suffix}`, `Checkpoints${suffix}`].map((name) => azuriteTable(connectionString, name))].map((t) => t.createTable()));
    const promoter = new Promoter({ ledger, registry, alerts, prefixes: PREFIXES });
    const responder = new BypassResponder({ registry: server.loginServer, alerts, lockImages: options.lockImages ?? false, registryPort: registry, locks });
    return { alerts, alertStore: new AlertStore(alertsTable), registry, ledger, locks, checkpoints, promoter, responder };
}

export const randomHex = () => randomBytes(32).toString('hex');
