/**
 * Queue and table names. They are constants (not settings) because trigger registrations must
 * name their queues statically; infra/ creates every one of them (a test checks).
 */
export const queues = {
    /** Versioned ScanRequest messages: one per image pushed into quarantine. */
    scanRequests: 'scan-requests',
    // --- continuous patching (shared/patching) ---
    /** Versioned PatchRequest messages: one per (repository, original tag) of a patch cycle. */
    patchRequests: 'patch-requests',
    // --- scan worker (issue 5) ---
    /** Versioned ScanRequest messages for rescans: a lane of their own so pushes never wait behind them. */
    rescanRequests: 'rescan-requests',
} as const;

export const tables = {
    /** One row per received registry event (dedup on event id) with its routing decision. */
    registryEvents: 'RegistryEvents',
    // --- alerts (shared/alerts) ---
    /** One row per deduplicated alert (PartitionKey = alertId) with its per-sink delivery status. */
    alerts: 'Alerts',
    // --- results (issue 5): scan results, see shared/results/tableScanResultStore.ts ---
    /** One summary entity per image digest: verdict, counts, tags seen, last error. */
    scanSummaries: 'ScanSummaries',
    /** One row per vulnerability finding, one partition per image digest. */
    scanFindings: 'ScanFindings',
    /** One row per (vulnerability id, digest), partitioned by id bucket: "which images carry CVE-X?". */
    vulnerabilityIndex: 'VulnerabilityIndex',
    // --- continuous patching (shared/patching) ---
    /** One row per (cycle, repository, original tag): what the patch worker did and why. */
    patchRuns: 'PatchRuns',
    /** The patch schedule's state (last cycle start) and one row per cycle. */
    patchCycles: 'PatchCycles',
    // --- gate (shared/gate) ---
    /** Promotion ledger: PartitionKey = digest, RowKey = target repository; intent before the import, confirmed after. */
    promotions: 'Promotions',
    /** Locks placed on images that bypassed quarantine: PartitionKey = digest, RowKey = repository. */
    locks: 'Locks',
    /** Reconciliation checkpoints (one row per registry). */
    gateCheckpoints: 'GateCheckpoints',
    // --- continuous scanning (shared/rescan) ---
    /** One row per queued rescan request (PartitionKey = request id): a repeated timer run does not queue it twice. */
    rescanRequests: 'RescanRequests',
    /** One row per rescan selection run: counts queued and skipped, with reasons. */
    rescanRuns: 'RescanRuns',
    // --- scan worker: one scan per digest (shared/scan/scanLeaseStore.ts) ---
    /** One lease per digest (who scans it, which run, the recorded outcome) and one row per answered (scan, repository, tag). */
    scanLeases: 'ScanLeases',
} as const;

/** The queue the Functions host moves a message to after maxDequeueCount failures. */
export const poisonQueueOf = (queue: string) => `${queue}-poison`;
