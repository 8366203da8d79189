import { describe, expect, it } from 'vitest';
import { allTemplates, loadArm, moduleOf, readText, resourcesOf, resourcesOfType, roleOf, type ArmResource, type ArmTemplate } from './arm';
import { settingsCatalog } from '../../shared/config/settings';
import { SETTINGS_AHEAD_OF_THE_APP } from './settingsAheadOfTheApp';

// What issue 11 asks of the deployment, asserted on the ARM JSON the real Bicep CLI produced.

const main = () => loadArm('main');
const mod = (name: string) => moduleOf(main(), name);
const appSettings = () => mod('function-app').deployment.properties?.parameters?.appSettings?.value as Record<string, string>;

describe('runtime: Node 22 on Flex Consumption', () => {
    const site = () => resourcesOfType(mod('function-app').template, 'Microsoft.Web/sites')[0]!;

    it('the function app runs node 22 (Node 20 left Azure Functions support on 2026-04-30)', () => {
        expect(site().properties?.functionAppConfig?.runtime).toEqual({ name: 'node', version: "[parameters('nodeVersion')]" });
        expect(mod('function-app').template.parameters?.nodeVersion).toMatchObject({ defaultValue: '22', allowedValues: ['22'] });
        expect(mod('function-app').deployment.properties?.parameters?.nodeVersion).toBeUndefined();
    });

    it('package.json engines and the README say the same', () => {
        const pkg = JSON.parse(readText('package.json')) as { engines: { node: string } };
        expect(pkg.engines.node).toBe('>=22.0.0');
        expect(readText('README.md')).toMatch(/Node 22/);
        expect(readText('README.md')).not.toMatch(/\(Node 20,/);
    });

    it('runs on Flex Consumption (FC1, Linux) and never with basic publishing credentials', () => {
        const { template } = mod('function-app');
        expect(resourcesOfType(template, 'Microsoft.Web/serverfarms')[0]?.properties).toEqual({ reserved: true });
        const policies = resourcesOfType(template, 'Microsoft.Web/sites/basicPublishingCredentialsPolicies');
        expect(policies.map((p) => [p.name.match(/'(ftp|scm)'/)?.[1], p.properties?.allow, p.condition])).toEqual([
            ['ftp', false, undefined],
            ['scm', false, undefined],
        ]);
    });
});

describe('secrets: the alert webhook', () => {
    it('resolves Key Vault references with the user-assigned identity', () => {
        const site = resourcesOfType(mod('function-app').template, 'Microsoft.Web/sites')[0]!;
        expect(site.properties?.keyVaultReferenceIdentity).toBe("[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', parameters('identityName'))]");
        expect(site.identity?.type).toBe('UserAssigned');
    });

    it('travels only through @secure() parameters, never in a nested deployment input in clear', () => {
        expect(main().parameters?.alertWebhookUrl?.type).toBe('securestring');
        expect(Object.keys(appSettings())).not.toContain('ACR_GUARD_ALERT_WEBHOOK_URL');
        // Every nested deployment input that carries the parameter lands in a securestring parameter.
        const carriers = allTemplates(main()).flatMap(({ at, template }) =>
            resourcesOfType(template, 'Microsoft.Resources/deployments').flatMap((d) =>
                Object.entries((d.properties?.parameters ?? {}) as Record<string, unknown>)
                    .filter(([, v]) => JSON.stringify(v).includes("parameters('alertWebhookUrl')"))
                    .map(([name]) => ({ at: `${at}/${d.name}`, name, inner: (d.properties?.template as ArmTemplate).parameters?.[name]?.type, scope: d.properties?.expressionEvaluationOptions?.scope })),
            ),
        );
        expect(carriers).toEqual([{ at: 'main/function-app', name: 'alertWebhookUrl', inner: 'securestring', scope: 'inner' }]);
    });

    it('from Key Vault: the setting is a reference, and the identity may read that one secret (Key Vault Secrets User)', () => {
        expect(main().variables?.alertWebhookSetting).toBe(
            "[if(variables('webhookFromKeyVault'), format('@Microsoft.KeyVault(VaultName={0};SecretName={1})', parameters('alertWebhookKeyVaultName'), parameters('alertWebhookSecretName')), '')]",
        );
        const { deployment, template } = mod('webhook-secret-access');
        expect(deployment.condition).toBe("[variables('webhookFromKeyVault')]");
        expect(deployment.resourceGroup).toBe("[if(empty(parameters('alertWebhookKeyVaultResourceGroup')), resourceGroup().name, parameters('alertWebhookKeyVaultResourceGroup'))]");
        const [assignment] = resourcesOfType(template, 'Microsoft.Authorization/roleAssignments');
        expect(roleOf(template, assignment!).key).toBe('keyVaultSecretsUser');
        expect(assignment!.scope).toBe("[resourceId('Microsoft.KeyVault/vaults/secrets', parameters('keyVaultName'), parameters('secretName'))]");
    });
});

describe('HTTP endpoints behind Microsoft Entra ID', () => {
    const auth = () => resourcesOfType(mod('function-app').template, 'Microsoft.Web/sites/config').find((r) => r.name.includes("'authsettingsV2'"))!;

    it('App Service Authentication requires a token for api://<client id>, when an app registration is given', () => {
        expect(auth().condition).toBe("[not(empty(parameters('apiAuthClientId')))]");
        expect(auth().properties?.globalValidation).toMatchObject({ requireAuthentication: true, unauthenticatedClientAction: 'Return401' });
        expect(auth().properties?.identityProviders?.azureActiveDirectory?.validation?.allowedAudiences).toEqual(["[format('api://{0}', parameters('apiAuthClientId'))]"]);
    });

    it('leaves Event Grid delivery to the intake function alone (system key, no Entra token)', () => {
        expect(auth().properties?.globalValidation?.excludedPaths).toEqual(['/runtime/webhooks/eventgrid']);
    });

    it('tells the app the tenant and audience, so it validates the bearer token itself too', () => {
        expect(appSettings().ACR_GUARD_API_AUTH_AUDIENCE).toBe("[if(empty(parameters('apiAuthClientId')), '', format('api://{0}', parameters('apiAuthClientId')))]");
        expect(appSettings().ACR_GUARD_API_AUTH_TENANT_ID).toBe("[if(empty(parameters('apiAuthClientId')), '', tenant().tenantId)]");
    });
});

// --- Registry access ------------------------------------------------------------------------------

interface Assignment {
    readonly at: string;
    readonly resource: ArmResource;
    readonly template: ArmTemplate;
    readonly role: string;
}

/** Every role assignment of the app's user-assigned identity, with its role (key of roleIds, or 'taskRunner'). */
function appIdentityAssignments(): Assignment[] {
    return allTemplates(main()).flatMap(({ at, template }) =>
        resourcesOfType(template, 'Microsoft.Authorization/roleAssignments')
            // principalId: a module parameter fed from the identity, or the identity resource itself.
            .filter((r) => /^\[(parameters\('principalId'\)|reference\('identity'\)\.principalId)\]$/.test(String(r.properties?.principalId)))
            .map((resource) => ({ at, resource, template, role: roleOf(template, resource).key ?? (String(resource.properties?.roleDefinitionId).includes('acr-guard-task-runner') ? 'taskRunner' : 'unknown') })),
    );
}

/**
 * Roles that can write image content into a repository, by roleIds key. Anything not listed here
 * cannot push: Data Importer and Data Reader imports (promotion) and reads; Catalog Lister lists
 * names; Monitoring Reader reads logs; the task runner role has no data-plane action at all.
 */
const CAN_PUSH = new Set(['acrPush', 'contributor', 'owner', 'acrTasksContributor', 'acrRepositoryWriter', 'acrRepositoryContributor']);

describe('registry roles: least privilege, and nothing of acr-guard pushes into live/ except promotion', () => {
    it('task runs use a custom role with exactly registry read, scheduleRun, runs/read and runs/listLogSasUrl', () => {
        const { template } = mod('registry-access');
        const [definition] = resourcesOfType(template, 'Microsoft.Authorization/roleDefinitions');
        expect(definition?.properties?.permissions).toEqual([{ actions: "[variables('taskRunnerActions')]", notActions: [], dataActions: [], notDataActions: [] }]);
        expect(template.variables?.taskRunnerActions).toEqual([
            'Microsoft.ContainerRegistry/registries/read',
            'Microsoft.ContainerRegistry/registries/scheduleRun/action',
            'Microsoft.ContainerRegistry/registries/runs/read',
            'Microsoft.ContainerRegistry/registries/runs/listLogSasUrl/action',
        ]);
        expect(definition?.properties?.assignableScopes).toEqual(['[resourceGroup().id]']);
        const runner = appIdentityAssignments().filter((a) => a.role === 'taskRunner');
        expect(runner).toHaveLength(1);
        expect(runner[0]!.resource.scope).toBe("[resourceId('Microsoft.ContainerRegistry/registries', parameters('registryName'))]");
    });

    it('Container Registry Tasks Contributor is gone from every template', () => {
        const compiled = JSON.stringify(main());
        expect(compiled).not.toContain('fb382eab-e894-4461-af04-94435c366c3f');
        expect(compiled).not.toContain('acrTasksContributor');
    });

    it('the only push-capable roles are Repository Writer conditioned to quarantine/, and opt-in Contributor on legacy registries', () => {
        const pushers = appIdentityAssignments().filter((a) => CAN_PUSH.has(a.role));
        expect(pushers.map((a) => [a.role, a.resource.condition])).toEqual([
            ['acrRepositoryWriter', "[variables('isAbac')]"],
            ['contributor', "[and(not(variables('isAbac')), parameters('enableImageLocking'))]"],
        ]);
        // Writer: content/write allowed only where the repository name starts with the quarantine prefix.
        const writer = pushers[0]!;
        expect(writer.resource.properties?.condition).toBe("[variables('abacCondition')]");
        expect(writer.resource.properties?.conditionVersion).toBe('2.0');
        const condition = String(writer.template.variables?.abacCondition);
        expect(condition).toContain(
            "' !(ActionMatches{''Microsoft.ContainerRegistry/registries/repositories/content/write''})', format(' OR {0} StringStartsWithIgnoreCase ''{1}''', variables('repositoryName'), parameters('quarantinePrefix')), ')', 'AND'",
        );
        // The live prefix appears only in the read/metadata clause, after the content/write clause.
        const contentClause = condition.slice(0, condition.indexOf("'AND'"));
        expect(contentClause).not.toContain('livePrefix');
        expect(condition.slice(condition.indexOf("'AND'"))).toContain("parameters('livePrefix')");
        // The legacy Contributor grant needs both switches, and main.bicep defaults keep it off.
        expect(main().parameters?.registryRoleAssignmentMode?.defaultValue).toBe('AbacRepositoryPermissions');
        expect(main().parameters?.enableImageLocking?.defaultValue).toBe(false);
    });

    it('promotion is the one way into live/: importImage through Container Registry Data Importer and Data Reader', () => {
        const importer = appIdentityAssignments().filter((a) => a.role === 'acrDataImporterAndDataReader');
        expect(importer).toHaveLength(1);
        expect(importer[0]!.resource.condition).toBeUndefined();
        expect(readText('infra/README.md')).toMatch(/importImage/);
    });

    it('on ABAC registries the identity holds the repository roles a [caller] task run needs, and the catalog lister', () => {
        const abac = appIdentityAssignments().filter((a) => a.resource.condition === "[variables('isAbac')]").map((a) => a.role);
        expect(abac.sort()).toEqual(['acrRepositoryCatalogLister', 'acrRepositoryWriter']);
        // Read access for the Trivy run: quarantine/ and live/ (content/read and metadata/read clause).
        const condition = String(mod('registry-access').template.variables?.abacCondition);
        expect(condition).toContain("repositories/content/read");
        expect(condition).toContain("repositories/metadata/write");
    });

    it('no role anywhere is assigned without a known definition', () => {
        expect(appIdentityAssignments().filter((a) => a.role === 'unknown').map((a) => `${a.at} ${a.resource.symbol ?? a.resource.name}`)).toEqual([]);
        expect(appIdentityAssignments().length).toBeGreaterThanOrEqual(11);
        // Modules that assign roles to a principalId parameter get the app's identity, nothing else.
        for (const name of ['registry-access', 'webhook-secret-access'])
            expect(mod(name).deployment.properties?.parameters?.principalId?.value, name).toBe("[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', variables('identityName')), '2024-11-30').principalId]");
    });
});

describe('the guarded registry is never destroyed', () => {
    it('an existing registry may live in another resource group; everything on it is deployed there', () => {
        expect(main().variables?.registryResourceGroup).toBe(
            "[if(or(variables('createRegistry'), empty(parameters('existingRegistryResourceGroup'))), resourceGroup().name, parameters('existingRegistryResourceGroup'))]",
        );
        for (const name of ['registry-integration', 'registry-access']) expect(mod(name).deployment.resourceGroup, name).toBe("[variables('registryResourceGroup')]");
        // The registry resource itself is only ever created (new registries), never declared for an existing one.
        const registries = allTemplates(main()).flatMap(({ at, template }) => resourcesOfType(template, 'Microsoft.ContainerRegistry/registries').filter((r) => !r.existing).map(() => at));
        expect(registries).toEqual(['main/registry']);
        expect(mod('registry').deployment.condition).toBe("[variables('createRegistry')]");
    });

    it('offers a CanNotDelete lock on the registry, on by default', () => {
        const [lock] = resourcesOfType(mod('registry-integration').template, 'Microsoft.Authorization/locks');
        expect(lock?.condition).toBe("[parameters('lockRegistry')]");
        expect(lock?.properties?.level).toBe('CanNotDelete');
        expect(lock?.scope).toBe("[resourceId('Microsoft.ContainerRegistry/registries', parameters('registryName'))]");
        expect(main().parameters?.lockRegistry?.defaultValue).toBe(true);
    });

    it('puts the system topic in acr-guard\'s resource group, in the registry\'s region', () => {
        const { deployment, template } = mod('system-topic');
        expect(deployment.resourceGroup).toBeUndefined();
        expect(deployment.properties?.parameters?.registryLocation?.value).toBe("[reference(extensionResourceId(format('/subscriptions/{0}/resourceGroups/{1}', subscription().subscriptionId, variables('registryResourceGroup')), 'Microsoft.Resources/deployments', 'registry-integration'), '2025-04-01').outputs.location.value]");
        expect(resourcesOfType(template, 'Microsoft.EventGrid/systemTopics')[0]?.location).toBe("[parameters('registryLocation')]");
    });
});

// --- Nothing lost -----------------------------------------------------------------------------------

describe('dead letters are kept for the replay', () => {
    it('the app identity may read and mark blobs in the dead-letter container', () => {
        const replayer = appIdentityAssignments().find((a) => a.resource.symbol === 'deadLetterReplayer');
        expect(replayer?.role).toBe('storageBlobDataContributor');
        expect(replayer?.resource.scope).toBe("[resourceId('Microsoft.Storage/storageAccounts/blobServices/containers', parameters('storageAccountName'), 'default', variables('deadLetterContainerName'))]");
        expect(replayer?.template.variables?.deadLetterContainerName).toBe('eventgrid-deadletter');
    });

    it('the app is told where the dead letters are, and reads it (the replay timer)', () => {
        expect(appSettings().ACR_GUARD_DEAD_LETTER_CONTAINER).toBe("[reference(resourceId('Microsoft.Resources/deployments', 'storage'), '2025-04-01').outputs.deadLetterContainerName.value]");
        expect(appSettings().ACR_GUARD_STORAGE__blobServiceUri).toBe("[reference(resourceId('Microsoft.Resources/deployments', 'storage'), '2025-04-01').outputs.blobEndpoint.value]");
        expect(settingsCatalog.deadLetterContainer.name).toBe('ACR_GUARD_DEAD_LETTER_CONTAINER');
        // The app's default is the container the Bicep creates and dead-letters into.
        expect(settingsCatalog.deadLetterContainer.schema.parse(undefined)).toBe(loadArm('modules/names').variables?.deadLetterContainerName);
        expect(SETTINGS_AHEAD_OF_THE_APP).toEqual({});
    });
});

describe('task runs on ABAC registries carry the caller identity', () => {
    it('the app is told the registry\'s permission mode from the same parameter that decides its roles', () => {
        expect(appSettings().ACR_GUARD_REGISTRY_ROLE_ASSIGNMENT_MODE).toBe("[parameters('registryRoleAssignmentMode')]");
        expect(main().parameters?.registryRoleAssignmentMode?.defaultValue).toBe(settingsCatalog.registryRoleAssignmentMode.schema.parse(undefined));
    });
});

describe('alerts for "the guard is blind"', () => {
    const alerts = () => mod('alerts').template;
    const blind = () => alerts().variables?.blindRules as { key: string; query: string; operator: string; threshold: number; windowSize: string }[];

    it('failed function executions, messages parked in a poison queue, and a reconciler that has not run', () => {
        expect(blind().map((r) => r.key)).toEqual(['failed-executions', 'poison-queue', 'reconciler-not-run']);
        const byKey = Object.fromEntries(blind().map((r) => [r.key, r]));
        expect(byKey['failed-executions']!.query).toContain('success == false');
        expect(byKey['poison-queue']!.query).toContain('-poison');
        expect(byKey['reconciler-not-run']).toMatchObject({ operator: 'LessThan', threshold: 1, windowSize: 'PT30M' });
        expect(alerts().variables?.reconcilerFunctionName).toBe('reconcileLiveRepositories');
        // The name the rule looks for is the function the app registers.
        expect(readText('functions/reconcileLiveRepositories.ts')).toContain("'reconcileLiveRepositories'");
        const [rule] = resourcesOfType(alerts(), 'Microsoft.Insights/scheduledQueryRules').filter((r) => r.copy);
        expect(rule?.copy?.count).toBe("[length(variables('blindRules'))]");
        expect(rule?.properties?.scopes).toEqual(["[parameters('appInsightsId')]"]);
    });

    it('dead-lettered registry events: a metric alert on the system topic', () => {
        const [rule] = resourcesOfType(alerts(), 'Microsoft.Insights/metricAlerts');
        expect(rule?.properties?.scopes).toEqual(["[parameters('systemTopicId')]"]);
        expect(rule?.properties?.criteria?.allOf).toEqual([expect.objectContaining({ metricNamespace: 'Microsoft.EventGrid/systemTopics', metricName: 'DeadLetteredCount', operator: 'GreaterThan', threshold: 0 })]);
        expect(mod('alerts').deployment.properties?.parameters?.systemTopicId?.value).toContain("'system-topic'");
    });

    it('every scheduled query rule deploys on a brand-new workspace (skipQueryValidation)', () => {
        const rules = resourcesOfType(alerts(), 'Microsoft.Insights/scheduledQueryRules');
        expect(rules).toHaveLength(2);
        for (const rule of rules) expect(rule.properties?.skipQueryValidation, rule.name).toBe(true);
    });

    it('every rule notifies the action group, and the deployment says loudly when nobody receives it', () => {
        expect(alerts().variables?.notify).toBe("[if(empty(parameters('alertEmailReceivers')), createArray(), createArray(resourceId('Microsoft.Insights/actionGroups', parameters('actionGroupName'))))]");
        for (const rule of resourcesOfType(alerts(), 'Microsoft.Insights/scheduledQueryRules')) expect(rule.properties?.actions, rule.name).toEqual({ actionGroups: "[variables('notify')]" });
        expect(JSON.stringify(resourcesOfType(alerts(), 'Microsoft.Insights/metricAlerts')[0]?.properties)).toContain("variables('notify')[copyIndex('actions')]");
        expect(main().variables?.emailReceivers).toContain("parameters('alertEmail')");
        expect(String(main().outputs?.NOTIFICATIONS?.value)).toContain('notify NOBODY');
        expect(readText('infra/scripts/postdeploy.sh')).toContain('NOTIFICATIONS');
    });
});

describe('outputs for azd and the hooks', () => {
    it('names the registry resource group, the task runner role and the notification state', () => {
        expect(Object.keys(main().outputs ?? {})).toEqual(expect.arrayContaining(['REGISTRY_RESOURCE_GROUP', 'TASK_RUNNER_ROLE_ID', 'NOTIFICATIONS', 'EVENT_GRID_SYSTEM_TOPIC_NAME']));
        expect(resourcesOf(main()).length).toBeGreaterThan(10);
    });
});

describe('packaging', () => {
    const ignored = () =>
        readText('.funcignore')
            .split('\n')
            .map((l) => l.trim())
            .filter((l) => l && !l.startsWith('#'));

    it('.funcignore keeps tests, docs, sources and local settings out of the uploaded package', () => {
        expect(ignored()).toEqual(expect.arrayContaining(['test/', 'docs/', 'bench/', 'local.settings.json', '*.md', 'infra/', '.cache/', 'functions/', 'shared/']));
    });

    it('.funcignore keeps what the app runs: dist/, host.json, package.json, node_modules/', () => {
        for (const kept of ['dist', 'dist/', 'host.json', 'package.json', 'node_modules', 'node_modules/', '*.json']) expect(ignored(), kept).not.toContain(kept);
    });
});
