import type { AzureAccess } from '../azure/azureAccess';
import type { Settings } from '../config/settings';
import type { AlertService } from '../alerts/alertService';
import type { ApiAuth } from '../auth/apiAuth';
import { apiAuthConfig } from '../auth/apiAuthConfig';
import type { DeadLetterReplay } from '../deadletter/deadLetterReplay';
import type { ApprovalService } from '../gate/approval';
import type { LockStore } from '../gate/lockStore';
import type { Reconciler } from '../gate/reconciler';
import type { TablePromotionLedger } from '../gate/tablePromotionLedger';
import type { IntakeService } from '../intake/intakeService';
import type { PatchingConfig } from '../patching/config';
import type { PatchingService } from '../patching/patchingService';
import type { GatePolicy } from '../policy/gatePolicy';
import type { AcrAdapters } from '../registry/acrAdapters';
import type { RescanSelection } from '../rescan/rescanSelection';
import type { TableScanResultStore } from '../results/tableScanResultStore';
import type { ScanPipeline } from '../scan/scanPipeline';
import type { VerdictObserver } from '../scan/verdictObserver';
import type { MessageParking } from '../storage/parkedMessages';
import type { StorageClients } from '../storage/storageClients';
import { loadGatePolicy } from '../scan/gatePolicySource';
import { readMaxDequeueCount } from '../scan/hostRetries';
import { loadPatchConfig } from '../patching/patchConfigFile';
import { parseSchedule } from '../validation/patchSchedule';
import { onceUntilSuccess as lazy } from '../storage/onceUntilSuccess';
import { poisonQueueOf, queues, tables } from '../storage/names';

/*
 * The app's composition root: the only place that knows which concrete adapter serves which port.
 * Read top to bottom, it is the whole wiring of acr-guard.
 *
 * Two kinds of work happen here:
 * - at start-up (createServices itself, synchronous): what can be wrong with the configuration is
 *   read and checked — settings (the caller passes them parsed), the gate policy file, host.json's
 *   maxDequeueCount, the continuous-patching file and schedule — so a bad one fails the start with a
 *   message naming it, not the first invocation;
 * - on first use (each `lazy` part): the SDK clients and services. Each part is built once per app
 *   and its modules are imported only then, so a function's cold start loads only what that
 *   function uses (the intake never loads the ARM, Log Analytics or Event Grid clients for a
 *   quarantine push). A part whose construction fails is built again on the next call.
 *
 * Tables and queues are not created here: infra/ creates them in Azure, provisionStorage
 * (shared/storage/provisionStorage.ts) locally and in tests.
 */

/** What the composition needs besides settings and Azure access. */
export interface CompositionOptions {
    /** The app root: relative setting paths (the gate policy) resolve against it. */
    readonly appRoot: string;
    /** host.json whose extensions.queues.maxDequeueCount the scan workers read. */
    readonly hostJsonPath: string;
    /** Verdict observers called after the app's own (tests record verdicts with one). */
    readonly extraVerdictObservers?: readonly VerdictObserver[];
}

/** The gate's stores, for the functions and for end-to-end tests that look at what the gate recorded. */
export interface GateStores {
    readonly ledger: TablePromotionLedger;
    readonly locks: LockStore;
}

/** Everything the functions call, built on first use. */
export interface AppServices {
    readonly settings: Settings;
    /** The gate policy, validated at start-up. */
    readonly policy: GatePolicy;
    /** The continuous-patching configuration; undefined when patching is off. */
    readonly patchConfig: PatchingConfig | undefined;
    intake(): Promise<IntakeService>;
    /** The scan pipeline of both scan lanes (`scan-requests`, `rescan-requests`). */
    scanPipeline(): Promise<ScanPipeline>;
    approval(): Promise<ApprovalService>;
    /** The guard of the HTTP endpoints: `(await services().apiAuth()).requireCaller(request)` (shared/auth/README.md). */
    apiAuth(): Promise<ApiAuth>;
    reconciler(): Promise<Reconciler>;
    gateStores(): Promise<GateStores>;
    alerts(): Promise<AlertService>;
    rescanSelection(): Promise<RescanSelection>;
    /** Event Grid dead letters replayed through the intake, each with an alert (the replayDeadLetters timer). */
    deadLetterReplay(): Promise<DeadLetterReplay>;
    patching(): Promise<PatchingService>;
    parking(): Promise<MessageParking>;
}

const HOUR_MS = 3_600_000;

export function createServices(settings: Settings, access: AzureAccess, options: CompositionOptions): AppServices {
    // --- start-up checks ------------------------------------------------------------------------
    const policy = loadGatePolicy(settings.gatePolicyPath, options.appRoot);
    const maxDequeueCount = readMaxDequeueCount(options.hostJsonPath);
    const patchConfig = loadPatchConfig(settings.patchConfigPath);
    const schedule = parseSchedule(settings.patchSchedule);
    if (!schedule.ok) throw new Error(`ACR_GUARD_PATCH_SCHEDULE: ${schedule.error}`);
    const authConfig = apiAuthConfig(settings, access.entraAuthorityHost);
    const poll = access.pollIntervalMs;
    const prefixes = { quarantinePrefix: settings.quarantinePrefix, livePrefix: settings.livePrefix };

    // --- storage and Azure clients: one of each per app ------------------------------------------
    const storage = lazy(async (): Promise<StorageClients> => {
        const { StorageClients } = await import('../storage/storageClients.js');
        return new StorageClients(settings.storage, access.credential);
    });
    const acr = lazy(async (): Promise<AcrAdapters> => (await import('../registry/acrAdapters.js')).createAcrAdapters(settings, access));
    const logsClient = lazy(async () =>
        (await import('../azure/logsClient.js')).createLogsClient(settings.logAnalyticsEndpoint, access.credential, access.clientOptions),
    );

    // --- stores ---------------------------------------------------------------------------------
    const results = lazy(async (): Promise<TableScanResultStore> => {
        const [{ TableScanResultStore }, s] = await Promise.all([import('../results/tableScanResultStore.js'), storage()]);
        return new TableScanResultStore({ summaries: s.table(tables.scanSummaries), findings: s.table(tables.scanFindings), index: s.table(tables.vulnerabilityIndex) });
    });
    const gateStores = lazy(async (): Promise<GateStores> => {
        const [{ TablePromotionLedger }, { LockStore }, s] = await Promise.all([import('../gate/tablePromotionLedger.js'), import('../gate/lockStore.js'), storage()]);
        return { ledger: new TablePromotionLedger(s.table(tables.promotions)), locks: new LockStore(s.table(tables.locks)) };
    });
    const parking = lazy(async (): Promise<MessageParking> => {
        const [{ QueueMessageParking }, s] = await Promise.all([import('../storage/parkedMessages.js'), storage()]);
        return new QueueMessageParking((queue) => s.queue(poisonQueueOf(queue)));
    });

    // --- alerts: the log line always, the Event Grid topic and the webhook when configured --------
    const alerts = lazy(async (): Promise<AlertService> => {
        const [{ createAlertService }, s] = await Promise.all([import('../alerts/createAlertService.js'), storage()]);
        return createAlertService(settings, { tableClient: s.table(tables.alerts), azure: access });
    });

    // --- HTTP endpoints: Entra access tokens when configured, else the function key alone ----------
    const apiAuth = lazy(async (): Promise<ApiAuth> => new (await import('../auth/apiAuth.js')).ApiAuth(authConfig));

    // --- the gate: promotion by digest, the live check, approvals, reconciliation ---------------
    const gateLog = {
        info: (m: string) => console.info(`[gate] ${m}`),
        warn: (m: string) => console.warn(`[gate] ${m}`),
    };
    const promoter = lazy(async () => {
        const [{ Promoter }, stores, a, registry] = await Promise.all([import('../gate/promoter.js'), gateStores(), alerts(), acr()]);
        return new Promoter({ ledger: stores.ledger, registry: registry.registry, alerts: a, prefixes, log: gateLog });
    });
    const bypassResponder = lazy(async () => {
        const [{ BypassResponder }, stores, a, registry] = await Promise.all([import('../gate/bypassResponder.js'), gateStores(), alerts(), acr()]);
        return new BypassResponder({
            registry: settings.registryLoginServer,
            alerts: a,
            lockImages: settings.lockBypassedImages,
            registryPort: registry.registry,
            locks: stores.locks,
            log: gateLog,
        });
    });
    const liveCheck = lazy(async () => {
        const [{ LiveCheck }, stores, responder] = await Promise.all([import('../gate/liveCheck.js'), gateStores(), bypassResponder()]);
        return new LiveCheck(stores.ledger, responder);
    });
    const approval = lazy(async (): Promise<ApprovalService> => {
        const [{ ApprovalService }, p, r] = await Promise.all([import('../gate/approval.js'), promoter(), results()]);
        // The policy the scan worker applies: its maxScanAge decides staleness.
        return new ApprovalService({ promoter: p, results: r, registry: settings.registryLoginServer, quarantinePrefix: settings.quarantinePrefix, policy: () => Promise.resolve(policy) });
    });
    const reconciler = lazy(async (): Promise<Reconciler> => {
        const [{ Reconciler }, { CheckpointStore }, logs, stores, responder, s] = await Promise.all([
            import('../gate/reconciler.js'),
            import('../gate/checkpointStore.js'),
            logsClient(),
            gateStores(),
            bypassResponder(),
            storage(),
        ]);
        return new Reconciler(
            { logs, ledger: stores.ledger, responder, checkpoints: new CheckpointStore(s.table(tables.gateCheckpoints)) },
            {
                registryResourceId: settings.registryResourceId,
                livePrefix: settings.livePrefix,
                lookbackMinutes: settings.reconcileLookbackMinutes,
                overlapMinutes: settings.reconcileOverlapMinutes,
                log: gateLog,
            },
        );
    });

    // --- intake: record once, route; live pushes go to the live check ----------------------------
    const intake = lazy(async (): Promise<IntakeService> => {
        const [{ IntakeService }, { TableRegistryEventStore }, { QueueScanRequestSink }, s] = await Promise.all([
            import('../intake/intakeService.js'),
            import('../intake/tableEventStore.js'),
            import('../scan/scanRequestSink.js'),
            storage(),
        ]);
        return new IntakeService({
            store: new TableRegistryEventStore(s.table(tables.registryEvents)),
            scanRequests: new QueueScanRequestSink(s.queue(queues.scanRequests)),
            // Built on the first live push only: a quarantine push never loads the gate's clients.
            livePushes: { livePushed: async (push, log) => (await liveCheck()).livePushed(push, log) },
            rules: { quarantinePrefix: settings.quarantinePrefix, livePrefix: settings.livePrefix, otherRepositories: settings.otherRepositories },
            defaultRegistry: settings.registryLoginServer,
        });
    });

    // --- Event Grid dead letters: back through the same intake, each one alerted ------------------
    const deadLetterReplay = lazy(async (): Promise<DeadLetterReplay> => {
        const [{ DeadLetterReplay }, { createBlobContainerClient }, i, a] = await Promise.all([
            import('../deadletter/deadLetterReplay.js'),
            import('../storage/blobContainer.js'),
            intake(),
            alerts(),
        ]);
        return new DeadLetterReplay({
            container: createBlobContainerClient(settings.storage, settings.deadLetterContainer, access.credential),
            intake: i,
            alerts: a,
            registry: settings.registryLoginServer,
            log: { log: (m: string) => console.info(`[dead-letter] ${m}`), warn: (m: string) => console.warn(`[dead-letter] ${m}`), error: (m: string) => console.error(`[dead-letter] ${m}`) },
        });
    });

    // --- continuous patching ----------------------------------------------------------------------
    const patchRuns = lazy(async () => {
        const [{ PatchRunStore }, s] = await Promise.all([import('../patching/patchRunStore.js'), storage()]);
        return new PatchRunStore(s.table(tables.patchRuns));
    });
    const patching = lazy(async (): Promise<PatchingService> => {
        const [{ PatchingService }, { PatchCycleStore }, { QueuePatchRequestSink }, { PatchWorker }, { registryTagSource }, runs, s, registry, r, a, park] = await Promise.all([
            import('../patching/patchingService.js'),
            import('../patching/patchRunStore.js'),
            import('../patching/patchRequestSink.js'),
            import('../patching/patchWorker.js'),
            import('../patching/registryTagSource.js'),
            patchRuns(),
            storage(),
            acr(),
            results(),
            alerts(),
            parking(),
        ]);
        const requests = new QueuePatchRequestSink(s.queue(queues.patchRequests));
        return new PatchingService({
            parking: park,
            cycle: {
                config: patchConfig,
                everyDays: schedule.days,
                registry: settings.registryLoginServer,
                tagSource: registryTagSource(registry.registry),
                cycles: new PatchCycleStore(s.table(tables.patchCycles)),
                requests,
                runsPerMinute: settings.patchRunsPerMinute,
            },
            worker: new PatchWorker({
                registry: registry.registry,
                scanner: registry.scanner,
                results: r,
                runner: registry.taskRunner,
                runs,
                requests,
                alerts: a,
                layout: prefixes,
                images: { trivyImage: settings.trivyImage, dbRepositories: settings.trivyDbRepositories, copaImage: settings.copaImage, buildkitImage: settings.buildkitImage },
                // A running patch run is an Azure operation looked at like any other: the access's poll
                // interval when one is set (tests: 1 ms, so 0 s), else the worker's default of 60 s.
                ...(poll !== undefined ? { checkDelaySeconds: Math.round(poll / 1000) } : {}),
            }),
        });
    });

    // --- the scan pipeline and, in this order, what acts on each verdict -------------------------
    const verdictObservers = lazy(async (): Promise<VerdictObserver[]> => {
        const [{ ScanAlertObserver }, { PromotionObserver }, { PatchVerificationObserver }, { NewVulnerabilityObserver }, a, p, runs, r] = await Promise.all([
            import('../scan/scanAlertObserver.js'),
            import('../gate/promotionObserver.js'),
            import('../patching/patchVerifier.js'),
            import('../rescan/newVulnerabilityObserver.js'),
            alerts(),
            promoter(),
            patchRuns(),
            results(),
        ]);
        return [
            // 1. an alert for every failed or unscannable quarantine image,
            new ScanAlertObserver(a, settings.quarantinePrefix),
            // 2. auto-promotion of passed quarantine images (by digest),
            new PromotionObserver(p, { autoPromote: settings.autoPromote, quarantinePrefix: settings.quarantinePrefix, log: gateLog }),
            // 3. the closed patching loop (a patched image must pass and have fewer fixable vulnerabilities),
            new PatchVerificationObserver({ runs, results: r, alerts: a, quarantinePrefix: settings.quarantinePrefix }),
            // 4. the rescan diff (newly found blocking vulnerabilities become one alert),
            new NewVulnerabilityObserver(a, () => policy),
            // 5. and whatever the host adds (tests).
            ...(options.extraVerdictObservers ?? []),
        ];
    });
    const scanPipeline = lazy(async (): Promise<ScanPipeline> => {
        const [{ ScanPipeline }, { ScanLeaseStore }, { QueueScanMessageSink }, { scanCheckDeadlineSeconds }, registry, store, observers, park, s] = await Promise.all([
            import('../scan/scanPipeline.js'),
            import('../scan/scanLeaseStore.js'),
            import('../scan/scanMessageSink.js'),
            import('../registry/trivyScanTask.js'),
            acr(),
            results(),
            verdictObservers(),
            parking(),
            storage(),
        ]);
        return new ScanPipeline({
            // Message trust: only requests for the guarded registry are scanned.
            registry: settings.registryLoginServer,
            scans: registry.scanRuns,
            manifests: registry.manifests,
            // One scan per digest: the lease decides who schedules the run; the others join it.
            leases: new ScanLeaseStore(s.table(tables.scanLeases)),
            store,
            policy,
            observers,
            maxDequeueCount,
            parking: park,
            // Checks (and an index's child requests) go back on the queue the request came from.
            messages: new QueueScanMessageSink((queue) => s.queue(queue)),
            runDeadlineSeconds: scanCheckDeadlineSeconds(settings.scanTimeoutSeconds),
            // A running scan is an Azure operation looked at like any other (tests: 1 ms, so 0 s).
            ...(poll !== undefined ? { checkDelaySeconds: Math.round(poll / 1000) } : {}),
        });
    });

    // --- continuous scanning ---------------------------------------------------------------------
    const rescanSelection = lazy(async (): Promise<RescanSelection> => {
        const [{ RescanSelection }, { TableRescanLedger }, { QueueScanRequestSink }, s, store] = await Promise.all([
            import('../rescan/rescanSelection.js'),
            import('../rescan/rescanLedger.js'),
            import('../scan/scanRequestSink.js'),
            storage(),
            results(),
        ]);
        const source =
            settings.rescanSelection === 'pulled'
                ? new (await import('../rescan/logAnalyticsLiveImages.js')).LogAnalyticsLiveImages(await logsClient(), settings.registryResourceId, settings.livePrefix, settings.rescanPulledWithinDays)
                : new (await import('../rescan/registryLiveImages.js')).RegistryLiveImages((await acr()).registry, settings.livePrefix);
        return new RescanSelection({
            mode: settings.rescanSelection,
            source,
            store,
            ledger: new TableRescanLedger(s.table(tables.rescanRequests), s.table(tables.rescanRuns)),
            requests: new QueueScanRequestSink(s.queue(queues.rescanRequests)),
            registry: settings.registryLoginServer,
            minIntervalMs: settings.rescanMinIntervalHours * HOUR_MS,
            maxVerdictAgeMs: settings.rescanMaxVerdictAgeDays * 24 * HOUR_MS,
            perMinute: settings.rescanPerMinute,
        });
    });

    return { settings, policy, patchConfig, intake, scanPipeline, approval, apiAuth, reconciler, gateStores, alerts, rescanSelection, deadLetterReplay, patching, parking };
}
