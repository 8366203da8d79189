import { z } from 'zod';
import { isRegistry } from '../oci/reference';
import { readStorageConnection, STORAGE_CONNECTION, type StorageConnection } from './storageConnection';
import { booleanFlag, httpsUrl, positiveInt, readSettings, repositoryPrefix, setting } from './setting';
import { SettingsError } from './settingsError';
import { secretWebhookUrl } from '../validation/webhookUrl';
import { parseSchedule } from '../validation/patchSchedule';
import { FUNCTION_TIMEOUT_SECONDS, MAX_PULLED_WITHIN_DAYS, MAX_SCAN_TIMEOUT_SECONDS, MIN_SCAN_TIMEOUT_SECONDS } from './limits';

/** ARM's `roleAssignmentMode` of a registry (Microsoft.ContainerRegistry/registries). */
export const REGISTRY_ROLE_ASSIGNMENT_MODES = ['AbacRepositoryPermissions', 'LegacyRegistryPermissions'] as const;
export type RegistryRoleAssignmentMode = (typeof REGISTRY_ROLE_ASSIGNMENT_MODES)[number];

/**
 * Every plain application setting acr-guard reads. Storage connections are read separately
 * (they are a family of `<CONN>__*` settings). Tests check that this catalog, the README,
 * local.settings.sample.json and infra/ agree.
 */
export const settingsCatalog = {
    // --- Registry ---------------------------------------------------------------------------
    registryLoginServer: setting(
        'ACR_GUARD_REGISTRY_LOGIN_SERVER',
        // The OCI registry grammar the scan requests are validated against: a looser check here
        // would start the app and then fail every push's scan request.
        z.string().refine(isRegistry, { error: 'expected a host name such as contoso.azurecr.io' }),
        'login server of the guarded registry',
        'contoso.azurecr.io',
    ),
    registryResourceId: setting(
        'ACR_GUARD_REGISTRY_RESOURCE_ID',
        z
            .string()
            .regex(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.ContainerRegistry\/registries\/[^/]+$/i, {
                error: 'expected an ARM id /subscriptions/…/resourceGroups/…/providers/Microsoft.ContainerRegistry/registries/NAME',
            }),
        'ARM resource id of the guarded registry (imports and task runs)',
        '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-acr/providers/Microsoft.ContainerRegistry/registries/contoso',
    ),
    registryEndpoint: setting(
        'ACR_GUARD_REGISTRY_ENDPOINT',
        httpsUrl.optional(),
        'data-plane endpoint of the registry; defaults to https://<login server>',
        'https://contoso.azurecr.io',
    ),
    registryRoleAssignmentMode: setting(
        'ACR_GUARD_REGISTRY_ROLE_ASSIGNMENT_MODE',
        // The registry's `properties.roleAssignmentMode` (ARM). On ABAC registries ACR Task runs get no
        // data-plane access of their own, so runs are scheduled with the caller's identity
        // (shared/registry/scheduleRunRequest.ts); infra/ sets this from the same parameter that decides
        // the app's repository roles.
        z.enum(REGISTRY_ROLE_ASSIGNMENT_MODES, { error: 'expected "AbacRepositoryPermissions" or "LegacyRegistryPermissions"' }).default('AbacRepositoryPermissions'),
        "permission mode of the guarded registry (az acr show --query roleAssignmentMode): AbacRepositoryPermissions = task runs act with the app's own identity ([caller]), LegacyRegistryPermissions = task runs use the registry's own access",
        'AbacRepositoryPermissions',
    ),
    armEndpoint: setting(
        'ACR_GUARD_ARM_ENDPOINT',
        httpsUrl.default('https://management.azure.com'),
        'Azure Resource Manager endpoint',
        'https://management.azure.com',
    ),
    // --- Event Grid dead letters (shared/deadletter) ----------------------------------------------
    deadLetterContainer: setting(
        'ACR_GUARD_DEAD_LETTER_CONTAINER',
        // Blob container names: 3-63 lower-case letters, digits and single hyphens.
        z.string().regex(/^(?=.{3,63}$)[a-z0-9]+(?:-[a-z0-9]+)*$/, { error: 'expected a blob container name such as eventgrid-deadletter' }).default('eventgrid-deadletter'),
        "blob container (in the app's storage account, ACR_GUARD_STORAGE) Event Grid dead-letters undeliverable registry events into; a timer replays them through the intake",
        'eventgrid-deadletter',
    ),
    // --- HTTP endpoints behind Microsoft Entra ID (shared/auth) ----------------------------------
    apiAuthTenantId: setting(
        'ACR_GUARD_API_AUTH_TENANT_ID',
        z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { error: 'expected a tenant id (a GUID)' }).optional(),
        'Microsoft Entra tenant whose access tokens the HTTP endpoints accept (set together with ACR_GUARD_API_AUTH_AUDIENCE); unset = Entra auth off, function keys alone (local use only)',
        '00000000-0000-0000-0000-000000000000',
    ),
    apiAuthAudience: setting(
        'ACR_GUARD_API_AUTH_AUDIENCE',
        z.string().trim().min(1).max(512).optional(),
        'audience an access token for the HTTP endpoints must carry: api://<client id> of the app registration (v2 tokens carrying the bare client id are accepted too); unset = Entra auth off',
        'api://11111111-1111-1111-1111-111111111111',
    ),
    // --- Routing ----------------------------------------------------------------------------
    quarantinePrefix: setting(
        'ACR_GUARD_QUARANTINE_PREFIX',
        repositoryPrefix.default('quarantine/'),
        'repository prefix where images land and are scanned',
        'quarantine/',
    ),
    livePrefix: setting(
        'ACR_GUARD_LIVE_PREFIX',
        repositoryPrefix.default('live/'),
        'repository prefix that only promoted images may reach',
        'live/',
    ),
    otherRepositories: setting(
        'ACR_GUARD_OTHER_REPOSITORIES',
        z.enum(['ignore', 'scan'], { error: 'expected "ignore" or "scan"' }).default('ignore'),
        'what to do with pushes outside both prefixes: ignore or scan',
        'ignore',
    ),
    // --- Alerts (shared/alerts) -------------------------------------------------
    alertTopicEndpoint: setting(
        'ACR_GUARD_ALERT_TOPIC_ENDPOINT',
        // https only: the SDK refuses to send a bearer token over plain http.
        z.url({ protocol: /^https$/, error: 'expected an https URL' }).optional(),
        'Event Grid custom topic endpoint that receives alerts as CloudEvents 1.0 (managed identity needs "EventGrid Data Sender"); unset = no topic sink',
        'https://acr-guard-alerts.westeurope-1.eventgrid.azure.net/api/events',
    ),
    alertWebhookUrl: setting(
        'ACR_GUARD_ALERT_WEBHOOK_URL',
        secretWebhookUrl.optional(),
        'Slack or Teams incoming-webhook URL for alerts (a secret: use a Key Vault reference @Microsoft.KeyVault(SecretUri=...)); unset = no webhook sink',
        '@Microsoft.KeyVault(SecretUri=https://kv-acr-guard.vault.azure.net/secrets/alert-webhook-url/)',
    ),
    alertWebhookFormat: setting(
        'ACR_GUARD_ALERT_WEBHOOK_FORMAT',
        z.enum(['auto', 'slack', 'teams'], { error: 'expected "auto", "slack" or "teams"' }).default('auto'),
        'payload shape for the alert webhook: slack, teams, or auto (by the URL host: hooks.slack.com = slack; *.webhook.office.com, *.logic.azure.com, *.powerplatform.com = teams; else slack)',
        'auto',
    ),
    alertWebhookTimeoutSeconds: setting(
        'ACR_GUARD_ALERT_WEBHOOK_TIMEOUT_SECONDS',
        positiveInt.max(120, { error: 'expected at most 120 seconds' }).default(10),
        'how long one alert webhook POST may take before it counts as failed and is retried',
        '10',
    ),
    // --- Scanner (acr engineer): Trivy in an ACR Task run -------------------------------------
    trivyImage: setting(
        'ACR_GUARD_TRIVY_IMAGE',
        z.string().regex(/^[a-z0-9.-]+(?::[0-9]+)?\/[a-z0-9._/-]+(?::[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/, {
            error: 'expected an image reference with a registry host, such as ghcr.io/aquasecurity/trivy:0.58.1 (pin a digest in production)',
        }).default('ghcr.io/aquasecurity/trivy:0.58.1'),
        'Trivy image the scan task runs (pin by digest in production)',
        'ghcr.io/aquasecurity/trivy:0.58.1',
    ),
    trivyDbRepositories: setting(
        'ACR_GUARD_TRIVY_DB_REPOSITORIES',
        z.string().regex(/^[a-z0-9.-]+\/[a-z0-9._/-]+(?::[A-Za-z0-9_.-]+)?(?:,[a-z0-9.-]+\/[a-z0-9._/-]+(?::[A-Za-z0-9_.-]+)?)*$/, {
            error: 'expected a comma-separated list of OCI repositories, such as ghcr.io/aquasecurity/trivy-db:2,public.ecr.aws/aquasecurity/trivy-db:2',
        }).default('ghcr.io/aquasecurity/trivy-db:2,public.ecr.aws/aquasecurity/trivy-db:2')
            .transform((v) => v.split(',')),
        'Trivy vulnerability DB repositories, tried in order (two, against rate limits)',
        'ghcr.io/aquasecurity/trivy-db:2,public.ecr.aws/aquasecurity/trivy-db:2',
    ),
    scanTimeoutSeconds: setting(
        'ACR_GUARD_SCAN_TIMEOUT_SECONDS',
        z.coerce
            .number({ error: 'expected a whole number of seconds' })
            .int()
            .min(MIN_SCAN_TIMEOUT_SECONDS)
            .max(MAX_SCAN_TIMEOUT_SECONDS, {
                error:
                    `at most ${MAX_SCAN_TIMEOUT_SECONDS}: the patch worker's pre-scan waits for its scan run inside one invocation, so one Trivy attempt ` +
                    `(+120 s) and the report step (300 s) must end before host.json's functionTimeout (${FUNCTION_TIMEOUT_SECONDS} s) ` +
                    'less the time the worker keeps for itself (see shared/registry/trivyScanTask.ts)',
            })
            .default(900),
        `Trivy's --timeout for one image scan, in seconds (${MIN_SCAN_TIMEOUT_SECONDS}-${MAX_SCAN_TIMEOUT_SECONDS}: the scan run, with head room, must end within host.json's functionTimeout)`,
        '900',
    ),
    // --- Continuous patching (shared/patching) -----------------------------
    patchConfigPath: setting(
        'ACR_GUARD_PATCH_CONFIG_PATH',
        // The file is read and validated at start-up (shared/patching/patchConfigFile.ts, called by
        // the composition root): a bad file fails the start naming this setting.
        z.string().trim().min(1).optional(),
        'path of the continuouspatching.json file (ACR Continuous Patching format); unset = continuous patching off',
        '/home/site/wwwroot/continuouspatching.json',
    ),
    patchSchedule: setting(
        'ACR_GUARD_PATCH_SCHEDULE',
        // Kept as text ('7d', as ACR's --schedule and the sample show it); checked by parseSchedule.
        z
            .string()
            .superRefine((text, ctx) => {
                const parsed = parseSchedule(text);
                if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.error });
            })
            .default('7d'),
        'how often a patch cycle runs: Nd (1d to 30d), counted from the last run',
        '7d',
    ),
    patchRunsPerMinute: setting(
        'ACR_GUARD_PATCH_RUNS_PER_MINUTE',
        positiveInt.max(600, { error: 'expected at most 600 runs per minute' }).default(10),
        'at most this many patch requests (each one ACR Task run) become due per minute of a cycle',
        '10',
    ),
    copaImage: setting(
        'ACR_GUARD_PATCH_COPA_IMAGE',
        z.string().regex(/^[a-z0-9.-]+(?::[0-9]+)?\/[a-z0-9._/-]+(?::[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/, {
            error: 'expected an image reference with a registry host that contains copa (pin a digest in production)',
        }).default('mcr.microsoft.com/acr/cssc:7260211'),
        'image the patch task runs `copa patch` in (ACR Continuous Patching\'s cssc image bundles copa)',
        'mcr.microsoft.com/acr/cssc:7260211',
    ),
    buildkitImage: setting(
        'ACR_GUARD_PATCH_BUILDKIT_IMAGE',
        z.string().regex(/^[a-z0-9.-]+(?::[0-9]+)?\/[a-z0-9._/-]+(?::[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/, {
            error: 'expected an image reference with a registry host, such as docker.io/moby/buildkit:v0.16.0',
        }).default('docker.io/moby/buildkit:v0.16.0'),
        'BuildKit daemon image copa builds the patch layer with (detached step on tcp://127.0.0.1:8888)',
        'docker.io/moby/buildkit:v0.16.0',
    ),
    // --- Scan worker (scan engineer): gate policy the scan pipeline applies -------------------
    gatePolicyPath: setting(
        'ACR_GUARD_GATE_POLICY_PATH',
        z.string().max(1024, { error: 'expected a path of at most 1024 characters' }).optional(),
        'gate policy file (JSON, see `acr-guard policy check`), relative to the app root (the folder holding host.json) or absolute; unset = the built-in default policy',
        'policy/gate-policy.json',
    ),
    // --- Quarantine gate (shared/gate) ----------------------------------------------
    autoPromote: setting(
        'ACR_GUARD_AUTO_PROMOTE',
        booleanFlag.default(true),
        'promote an image from quarantine/ to live/ as soon as its scan verdict is pass; false = only through POST /api/promotions',
        'true',
    ),
    lockBypassedImages: setting(
        'ACR_GUARD_LOCK_BYPASSED_IMAGES',
        booleanFlag.default(false),
        'lock (readEnabled/writeEnabled/deleteEnabled=false) an image that reached live/ without promotion; needs Container Registry Repository Writer (ABAC) or Contributor',
        'false',
    ),
    logAnalyticsEndpoint: setting(
        'ACR_GUARD_LOG_ANALYTICS_ENDPOINT',
        z.url({ protocol: /^https$/, error: 'expected an https URL' }).default('https://api.loganalytics.io'),
        'Log Analytics query API the reconciler reads ACR resource logs from (sovereign clouds: https://api.loganalytics.us, https://api.loganalytics.azure.cn)',
        'https://api.loganalytics.io',
    ),
    reconcileLookbackMinutes: setting(
        'ACR_GUARD_RECONCILE_LOOKBACK_MINUTES',
        positiveInt.max(10_080, { error: 'expected at most 10080 minutes (7 days)' }).default(1440),
        'how far back the reconciler reads ACR resource logs on its first run, and at most after a long outage',
        '1440',
    ),
    reconcileOverlapMinutes: setting(
        'ACR_GUARD_RECONCILE_OVERLAP_MINUTES',
        positiveInt.max(1440, { error: 'expected at most 1440 minutes' }).default(30),
        'how far each reconciliation window reaches back before the last checkpoint (resource logs arrive minutes late)',
        '30',
    ),
    // --- Continuous scanning (shared/rescan) ----------------------------------------
    rescanSelection: setting(
        'ACR_GUARD_RESCAN_SELECTION',
        z.enum(['all', 'pulled'], { error: 'expected "all" or "pulled"' }).default('all'),
        'which live images to consider: all (every digest tagged under the live prefix, from the registry) or pulled (digests pulled within ACR_GUARD_RESCAN_PULLED_WITHIN_DAYS, from the ACR resource logs in Log Analytics)',
        'all',
    ),
    rescanPulledWithinDays: setting(
        'ACR_GUARD_RESCAN_PULLED_WITHIN_DAYS',
        positiveInt.max(MAX_PULLED_WITHIN_DAYS, { error: `expected at most ${MAX_PULLED_WITHIN_DAYS} days` }).default(30),
        'for selection "pulled": how many days back a pull counts',
        '30',
    ),
    rescanMinIntervalHours: setting(
        'ACR_GUARD_RESCAN_MIN_INTERVAL_HOURS',
        z.coerce.number({ error: 'expected a whole number of hours' }).int().min(0).max(720).default(12),
        'a digest scanned less than this many hours ago is not rescanned, whatever its DB version',
        '12',
    ),
    rescanMaxVerdictAgeDays: setting(
        'ACR_GUARD_RESCAN_MAX_VERDICT_AGE_DAYS',
        positiveInt.max(365, { error: 'expected at most 365 days' }).default(7),
        'a verdict older than this is rescanned even when made with the newest known Trivy DB (this is how a newer DB is noticed when no push scan recorded it)',
        '7',
    ),
    rescanPerMinute: setting(
        'ACR_GUARD_RESCAN_PER_MINUTE',
        positiveInt.max(100_000, { error: 'expected at most 100000' }).default(30),
        'throttle: how many queued rescans become visible on rescan-requests per minute (staggered visibility delays)',
        '30',
    ),
} as const;

type Catalog = typeof settingsCatalog;
export type Settings = { [K in keyof Catalog]: z.output<Catalog[K]['schema']> } & {
    readonly storage: StorageConnection;
};

/** Parses and validates all settings at once; throws a SettingsError naming every problem. */
export function loadSettings(env: Record<string, string | undefined> = process.env): Settings {
    const problems: string[] = [];
    let plain: Omit<Settings, 'storage'> | undefined;
    let storage: StorageConnection | undefined;
    try {
        plain = readSettings(settingsCatalog, env);
    } catch (err) {
        if (!(err instanceof SettingsError)) throw err;
        problems.push(...err.problems);
    }
    try {
        storage = readStorageConnection(STORAGE_CONNECTION, env);
    } catch (err) {
        if (!(err instanceof SettingsError)) throw err;
        problems.push(...err.problems);
    }
    if (problems.length > 0 || !plain || !storage) throw new SettingsError(problems);
    return { ...plain, storage };
}

/** The data-plane endpoint of the registry, from the explicit setting or the login server. */
export function registryEndpoint(settings: Pick<Settings, 'registryEndpoint' | 'registryLoginServer'>): string {
    return settings.registryEndpoint ?? `https://${settings.registryLoginServer}`;
}
