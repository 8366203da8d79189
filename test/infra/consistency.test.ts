import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { settingsCatalog } from '../../shared/config/settings';
import { STORAGE_CONNECTION } from '../../shared/config/storageConnection';
import { ACR_EVENT_TYPES } from '../../shared/events/eventTypes';
import { poisonQueueOf, queues, tables } from '../../shared/storage/names';
import { allTemplates, bicepFiles, infraDir, loadArm, moduleOf, readText, referenceDir, repoRoot, resourcesOf, resourcesOfType, roleOf } from './arm';
import { callsOf, createObjectKeys, createObjectValue, parseArmExpression, show } from './armExpression';
import { SETTINGS_AHEAD_OF_THE_APP } from './settingsAheadOfTheApp';

// The templates as the Bicep CLI compiled them (npm run infra:check) against what the code reads,
// creates and calls: settings, queues and tables, role ids, the Event Grid subscription, the hooks.

const main = () => loadArm('main');
const functionApp = () => moduleOf(main(), 'function-app');

/** Keys of the app settings object the function app gets: union(platform, appSettings, {webhook}). */
function appSettingKeys(): { platform: string[]; fromMain: string[]; secure: string[] } {
    const { deployment, template } = functionApp();
    const config = resourcesOfType(template, 'Microsoft.Web/sites/config').find((r) => r.name.includes("'appsettings'"));
    const union = parseArmExpression(String(config?.properties));
    if (union?.kind !== 'call' || union.name !== 'union' || union.args.length !== 3) throw new Error(`appsettings: expected union(platform, appSettings, webhook), got ${show(union)}`);
    const [platform, fromMain, secure] = union.args;
    if (platform?.kind !== 'call' || secure?.kind !== 'call') throw new Error('appsettings: expected createObject(...) on both sides');
    expect(show(fromMain)).toBe("parameters('appSettings')");
    return {
        platform: createObjectKeys(platform),
        fromMain: Object.keys(deployment.properties?.parameters?.appSettings?.value ?? {}),
        secure: createObjectKeys(secure),
    };
}

// --- Application settings -----------------------------------------------------------------------

/**
 * Optional settings (their schema accepts "absent") that the Bicep deliberately leaves unset, with
 * the reason. Required settings can never be listed here. Empty today: every setting is set.
 */
const OPTIONAL_SETTINGS_LEFT_UNSET: Record<string, string> = {};

describe('app settings in the compiled template match what the code reads', () => {
    const all = () => {
        const k = appSettingKeys();
        return [...k.platform, ...k.fromMain, ...k.secure];
    };
    const known = () =>
        new Set([
            ...Object.values(settingsCatalog).map((s) => s.name),
            ...['queueServiceUri', 'tableServiceUri', 'blobServiceUri', 'credential', 'clientId'].map((k) => `${STORAGE_CONNECTION}__${k}`),
        ]);

    it('the function app gets platform settings ∪ the appSettings built in main.bicep ∪ the secure webhook, and nothing twice', () => {
        const k = appSettingKeys();
        expect(k.fromMain.length).toBeGreaterThan(25);
        expect(k.secure).toEqual([settingsCatalog.alertWebhookUrl.name]);
        expect(new Set(all()).size).toBe(all().length);
    });

    it('sets every setting in settingsCatalog (optional ones unless listed with a reason)', () => {
        const keys = new Set(all());
        const missing = Object.values(settingsCatalog)
            .filter((spec) => !keys.has(spec.name))
            .filter((spec) => !(spec.schema.safeParse(undefined).success && spec.name in OPTIONAL_SETTINGS_LEFT_UNSET))
            .map((spec) => spec.name);
        expect(missing).toEqual([]);
    });

    it('lists only optional, unset settings as deliberately unset', () => {
        const keys = new Set(all());
        const byName = new Map(Object.values(settingsCatalog).map((s) => [s.name, s]));
        for (const name of Object.keys(OPTIONAL_SETTINGS_LEFT_UNSET)) {
            expect(byName.get(name)?.schema.safeParse(undefined).success, `${name} must be an optional catalog setting`).toBe(true);
            expect(keys.has(name), `${name} is listed as unset but the Bicep sets it`).toBe(false);
        }
    });

    it('sets no ACR_GUARD_* setting the code does not read, except those listed as ahead of the app', () => {
        const unknown = all().filter((k) => k.startsWith('ACR_GUARD_') && !known().has(k));
        expect(unknown.sort()).toEqual(Object.keys(SETTINGS_AHEAD_OF_THE_APP).sort());
    });

    it('a setting listed as ahead of the app leaves the list once the catalog reads it', () => {
        expect(Object.keys(SETTINGS_AHEAD_OF_THE_APP).filter((k) => known().has(k))).toEqual([]);
    });

    it('connects the app to its storage by identity (no connection string)', () => {
        const settings = functionApp().deployment.properties?.parameters?.appSettings?.value as Record<string, string>;
        expect(Object.keys(settings)).not.toContain(STORAGE_CONNECTION);
        expect(settings[`${STORAGE_CONNECTION}__queueServiceUri`]).toContain("outputs.queueEndpoint.value");
        expect(settings[`${STORAGE_CONNECTION}__tableServiceUri`]).toContain("outputs.tableEndpoint.value");
        expect(settings[`${STORAGE_CONNECTION}__credential`]).toBe('managedidentity');
        expect(settings[`${STORAGE_CONNECTION}__clientId`]).toMatch(/userAssignedIdentities.*\.clientId\]$/);
    });

    it('gives the host identity-based storage and Entra-authenticated telemetry, and no keys', () => {
        const { platform } = appSettingKeys();
        expect(platform.sort()).toEqual(
            [
                'AzureWebJobsStorage__blobServiceUri',
                'AzureWebJobsStorage__queueServiceUri',
                'AzureWebJobsStorage__tableServiceUri',
                'AzureWebJobsStorage__credential',
                'AzureWebJobsStorage__clientId',
                'APPLICATIONINSIGHTS_CONNECTION_STRING',
                'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
                'AZURE_CLIENT_ID',
            ].sort(),
        );
        // Flex Consumption rejects these: the runtime is functionAppConfig.runtime.
        expect(all().filter((k) => /^FUNCTIONS_(WORKER_RUNTIME|EXTENSION_VERSION)$|^WEBSITE_|^AzureWebJobsStorage$/.test(k))).toEqual([]);
        const config = resourcesOfType(functionApp().template, 'Microsoft.Web/sites/config').find((r) => r.name.includes("'appsettings'"));
        const platformObject = callsOf(parseArmExpression(String(config?.properties)), 'createObject')[0]!;
        expect(show(createObjectValue(platformObject, 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'))).toContain('Authorization=AAD');
        const compiled = fs.readFileSync(path.join(repoRoot, '.cache/infra/arm/main.json'), 'utf8');
        expect(compiled).not.toMatch(/listKeys\(|AccountKey=|SharedAccessSignature/);
    });

    it('sets the routing settings from the same parameters the Event Grid filter uses', () => {
        const settings = functionApp().deployment.properties?.parameters?.appSettings?.value as Record<string, string>;
        expect(settings[settingsCatalog.quarantinePrefix.name]).toBe("[parameters('quarantinePrefix')]");
        expect(settings[settingsCatalog.livePrefix.name]).toBe("[parameters('livePrefix')]");
        expect(settings[settingsCatalog.otherRepositories.name]).toBe("[parameters('otherRepositories')]");
        const call = moduleOf(main(), 'event-subscription').deployment.properties?.parameters;
        expect(call?.quarantinePrefix).toEqual({ value: "[parameters('quarantinePrefix')]" });
        expect(call?.livePrefix).toEqual({ value: "[parameters('livePrefix')]" });
        expect(call?.otherRepositories).toEqual({ value: "[parameters('otherRepositories')]" });
    });
});

// --- Queues and tables --------------------------------------------------------------------------

describe('storage created by the Bicep matches shared/storage/names.ts', () => {
    it('names.bicep lists every queue and table the code uses, and nothing else', () => {
        const names = loadArm('modules/names').variables!;
        expect([...(names.queueNames as string[])].sort()).toEqual(Object.values(queues).sort());
        expect([...(names.tableNames as string[])].sort()).toEqual(Object.values(tables).sort());
    });

    it('creates each queue together with its poison queue, and each table', () => {
        const storage = loadArm('modules/storage');
        expect(storage.variables?.allQueueNames).toBe("[flatten(map(variables('queueNames'), lambda('q', createArray(lambdaVariables('q'), format('{0}-poison', lambdaVariables('q'))))))]");
        expect(poisonQueueOf('q')).toBe('q-poison');
        const queue = resourcesOfType(storage, 'Microsoft.Storage/storageAccounts/queueServices/queues')[0];
        const table = resourcesOfType(storage, 'Microsoft.Storage/storageAccounts/tableServices/tables')[0];
        expect(queue?.copy?.count).toBe("[length(variables('allQueueNames'))]");
        expect(queue?.name).toContain("variables('allQueueNames')[copyIndex()]");
        expect(table?.copy?.count).toBe("[length(variables('tableNames'))]");
    });

    it('hardens the account: no shared keys, TLS 1.2, no public blobs', () => {
        const account = resourcesOfType(loadArm('modules/storage'), 'Microsoft.Storage/storageAccounts')[0];
        expect(account?.properties).toMatchObject({ allowSharedKeyAccess: false, allowBlobPublicAccess: false, minimumTlsVersion: 'TLS1_2' });
    });
});

// --- Role definitions ---------------------------------------------------------------------------

/** Built-in role name → definition id, as looked up (AVM builtInRoleNames; Azure built-in roles). */
const BUILT_IN_ROLES: Record<string, string> = {
    'Storage Blob Data Owner': 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
    'Storage Blob Data Contributor': 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
    'Storage Queue Data Contributor': '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
    'Storage Table Data Contributor': '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
    'Container Registry Data Importer and Data Reader': '577a9874-89fd-4f24-9dbd-b5034d0ad23a',
    'Container Registry Repository Writer': '2a1e307c-b015-4ebd-883e-5b7698a07328',
    'Container Registry Repository Catalog Lister': 'bfdb9389-c9a5-478a-bb2f-ba9ca092c3c7',
    Contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
    'Monitoring Reader': '43d0d8ad-25c7-4714-9337-8ba259a9fe05',
    'Monitoring Metrics Publisher': '3913510d-42f4-4e42-8a64-420c390055eb',
    'EventGrid Data Sender': 'd5a91429-5739-47e2-a06b-3470a27159e7',
    'Key Vault Secrets User': '4633458b-17de-408a-b874-0445c86b69e6',
};

/** Roles the reference table does not list, with where the id was checked instead. */
const NOT_IN_REFERENCE: Record<string, string> = {
    'Key Vault Secrets User': 'Azure built-in roles, Security category (role id 4633458b-17de-408a-b874-0445c86b69e6)',
};

/** roles.bicep: `key: 'guid' // Role Name` lines of the roleIds map (names exist only in comments). */
function rolesInBicep(): { key: string; id: string; name: string }[] {
    return [...readText('infra/modules/roles.bicep').matchAll(/^\s*(\w+): '([0-9a-f-]{36})' \/\/ (.+)$/gm)].map((m) => ({ key: m[1]!, id: m[2]!, name: m[3]!.trim() }));
}

/**
 * The role table of shared/reference/functions-and-bicep.md §3.3: `| A / B | `id` / `id` |`, where a
 * short alternative name replaces the last word of the first (`Storage Blob Data Owner / Contributor`)
 * and some ids are abbreviated `b93aa761-…f7ac`.
 */
function referenceRoles(): Map<string, string> {
    const text = fs.readFileSync(path.join(referenceDir, 'functions-and-bicep.md'), 'utf8');
    const section = text.slice(text.indexOf('### 3.3'), text.indexOf('## 4.'));
    const out = new Map<string, string>();
    for (const row of section.matchAll(/^\| ([^|`]+) \| ([^|]*`[^|]+) \|$/gm)) {
        const names = row[1]!.replace(/\([^)]*\)/g, '').split(' / ').map((n) => n.trim());
        const ids = [...row[2]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
        const first = names[0]!.split(' ');
        names.forEach((name, i) => {
            const full = i === 0 || name.startsWith(first[0]!) ? name : [...first.slice(0, -1), name].join(' ');
            if (ids[i]) out.set(full, ids[i]!);
        });
    }
    return out;
}

describe('role definition ids are the built-in ones', () => {
    it('roles.bicep holds exactly the table of built-in roles, name and id, and compiles to the same map', () => {
        const roles = rolesInBicep();
        expect(Object.fromEntries(roles.map((r) => [r.name, r.id]))).toEqual(BUILT_IN_ROLES);
        expect(loadArm('modules/roles').variables?.roleIds).toEqual(Object.fromEntries(roles.map((r) => [r.key, r.id])));
    });

    it('every id agrees with shared/reference/functions-and-bicep.md §3.3 (or says where else it was checked)', () => {
        const reference = referenceRoles();
        for (const [name, id] of Object.entries(BUILT_IN_ROLES)) {
            const documented = reference.get(name);
            if (!documented) {
                expect(NOT_IN_REFERENCE[name], `${name} is not in the reference table and has no other source`).toContain(id);
                continue;
            }
            const [head, tail] = documented.split('…');
            if (tail === undefined) expect(id, name).toBe(documented);
            else expect(id.startsWith(head!) && id.endsWith(tail), `${name}: ${id} vs ${documented}`).toBe(true);
        }
    });

    it('no template hard-codes a role id: assignments name roleIds or the custom task runner role', () => {
        const guid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
        const stray = bicepFiles()
            .filter((f) => !f.endsWith('roles.bicep'))
            .flatMap((f) => [...readText(f).matchAll(guid)].map((m) => `${path.basename(f)}: ${m[0]}`))
            // The one built-in policy definition (AKS allowed images).
            .filter((s) => !s.endsWith('febd0533-8e55-448f-b837-bd0e06f16469'));
        expect(stray).toEqual([]);
        const assignments = allTemplates(main()).flatMap(({ at, template }) =>
            resourcesOfType(template, 'Microsoft.Authorization/roleAssignments').map((a) => ({ at, a, role: roleOf(template, a) })),
        );
        expect(assignments.length).toBeGreaterThanOrEqual(12);
        for (const { at, a, role } of assignments) {
            if (role.key) expect(role.id, `${at} ${a.symbol}`).toMatch(/^[0-9a-f-]{36}$/);
            else expect(role.expression, `${at} ${a.symbol}`).toMatch(/^\[subscriptionResourceId\('Microsoft\.Authorization\/roleDefinitions', guid\(.*'acr-guard-task-runner'\)\)\]$/);
            expect(a.properties?.principalType, `${at} ${a.symbol}`).toBe('ServicePrincipal');
        }
    });

    it('every role assignment carries its reason in a comment', () => {
        for (const f of bicepFiles()) {
            const lines = readText(f).split('\n');
            lines.forEach((line, i) => {
                if (!/^\s*resource \w+ 'Microsoft\.Authorization\/roleAssignments@/.test(line)) return;
                expect(lines.slice(Math.max(0, i - 8), i).join('\n'), `${f}:${i + 1}`).toMatch(/\/\/ Reason/);
            });
        }
    });
});

// --- Event Grid ---------------------------------------------------------------------------------

describe('the Event Grid subscription feeds the intake function', () => {
    const subscription = () => resourcesOfType(loadArm('modules/event-subscription'), 'Microsoft.EventGrid/systemTopics/eventSubscriptions')[0]!;

    it('filters on exactly the event types the intake handles', () => {
        const types = subscription().properties?.filter?.includedEventTypes as string[];
        expect(new Set(types).size).toBe(types.length);
        expect([...types].sort()).toEqual([...ACR_EVENT_TYPES].sort());
    });

    it('delivers to the function registryEventIntake of the app', () => {
        const destination = subscription().properties?.destination;
        expect(destination?.endpointType).toBe('AzureFunction');
        expect(destination?.properties?.resourceId).toBe("[format('{0}/functions/{1}', resourceId('Microsoft.Web/sites', parameters('functionAppName')), variables('intakeFunctionName'))]");
        expect(loadArm('modules/event-subscription').variables?.intakeFunctionName).toBe('registryEventIntake');
    });

    it('filters on the repository prefixes unless other repositories are scanned', () => {
        expect(subscription().properties?.filter?.advancedFilters).toBe(
            "[if(equals(parameters('otherRepositories'), 'scan'), createArray(), createArray(createObject('operatorType', 'StringBeginsWith', 'key', 'data.target.repository', 'values', createArray(parameters('quarantinePrefix'), parameters('livePrefix')))))]",
        );
    });

    it('retries for a day, then dead-letters through the topic identity into the dead-letter container', () => {
        const body = subscription().properties!;
        expect(body.retryPolicy).toEqual({ maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 });
        expect(body.deadLetterWithResourceIdentity?.identity).toEqual({ type: 'SystemAssigned' });
        expect(body.deadLetterWithResourceIdentity?.deadLetterDestination?.properties?.blobContainerName).toBe("[variables('deadLetterContainerName')]");
        expect(loadArm('modules/event-subscription').variables?.deadLetterContainerName).toBe('eventgrid-deadletter');
        expect(body.deadLetterDestination).toBeUndefined();
        const topic = resourcesOfType(loadArm('modules/system-topic'), 'Microsoft.EventGrid/systemTopics')[0];
        expect(topic?.identity).toEqual({ type: 'SystemAssigned' });
    });

    it('is stage 2: off by default in main.bicep, and the postdeploy hooks pass every parameter', () => {
        expect(main().parameters?.deployEventSubscription).toMatchObject({ type: 'bool', defaultValue: false });
        expect(moduleOf(main(), 'event-subscription').deployment.condition).toBe("[parameters('deployEventSubscription')]");
        const params = Object.keys(loadArm('modules/event-subscription').parameters ?? {});
        expect(params.length).toBeGreaterThan(3);
        for (const script of ['postdeploy.sh', 'postdeploy.ps1']) {
            const text = readText(`infra/scripts/${script}`);
            expect(text).toContain('event-subscription.bicep');
            for (const name of params) expect(text, `${script} passes ${name}`).toMatch(new RegExp(`\\b${name}=`));
            // Every azd value the hook reads is an output of main.bicep (or azd's own resource group).
            for (const env of new Set([...text.matchAll(/\$(?:env:|\{)?([A-Z][A-Z0-9_]+)\b/g)].map((m) => m[1]!))) {
                if (['AZURE_RESOURCE_GROUP', 'LASTEXITCODE', 'POSTDEPLOY_ATTEMPTS', 'POSTDEPLOY_WAIT_SECONDS'].includes(env)) continue;
                expect(Object.keys(main().outputs ?? {}), `${script} reads ${env}`).toContain(env);
            }
        }
    });
});

// --- Wiring -------------------------------------------------------------------------------------

describe('templates fit together', () => {
    it('main.parameters.json sets only parameters main.bicep declares, and maps the azd environment', () => {
        const json = JSON.parse(readText('infra/main.parameters.json')) as { parameters: Record<string, { value: unknown }> };
        const declared = Object.keys(main().parameters ?? {});
        expect(Object.keys(json.parameters).filter((p) => !declared.includes(p))).toEqual([]);
        expect(json.parameters.environmentName?.value).toBe('${AZURE_ENV_NAME}');
        expect(json.parameters.location?.value).toBe('${AZURE_LOCATION}');
    });

    it('outputs the function app name, registry login server, alert topic endpoint and workspace id', () => {
        expect(Object.keys(main().outputs ?? {})).toEqual(expect.arrayContaining(['FUNCTION_APP_NAME', 'REGISTRY_LOGIN_SERVER', 'ALERT_TOPIC_ENDPOINT', 'LOG_ANALYTICS_WORKSPACE_ID']));
    });

    it('azure.yaml deploys the repo as the api function service and runs both postdeploy hooks', () => {
        const yaml = readText('azure.yaml');
        expect(yaml).toMatch(/services:\n {2}api:\n {4}project: \.\n {4}language: ts\n {4}host: function/);
        expect(yaml).toContain('run: ./infra/scripts/postdeploy.sh');
        expect(yaml).toContain('run: ./infra/scripts/postdeploy.ps1');
        const site = resourcesOfType(functionApp().template, 'Microsoft.Web/sites')[0];
        expect(site?.tags).toBe("[union(parameters('tags'), createObject('azd-service-name', 'api'))]");
    });

    it('the scheduled query alert covers pushes and imports into the live prefix', () => {
        const query = String(loadArm('modules/alerts').variables?.query);
        expect(query).toContain("'| where OperationName =~ ''Push'' or OperationName =~ ''importImage'''");
        expect(query).toContain("'| join kind=leftanti promotions on Repository, Digest'");
    });
});

describe('infra/README.md', () => {
    it('documents every parameter of main.bicep', () => {
        const readme = fs.readFileSync(path.join(infraDir, 'README.md'), 'utf8');
        const params = Object.keys(main().parameters ?? {});
        expect(params.length).toBeGreaterThan(10);
        expect(params.filter((p) => !readme.includes(`| \`${p}\` |`))).toEqual([]);
    });

    it('lists every setting that is ahead of the app', () => {
        const readme = fs.readFileSync(path.join(infraDir, 'README.md'), 'utf8');
        expect(Object.keys(SETTINGS_AHEAD_OF_THE_APP).filter((s) => !readme.includes(`\`${s}\``))).toEqual([]);
    });

    it('the compiled templates are the ones infra/ holds (nothing stale in .cache)', () => {
        for (const file of bicepFiles()) expect(fs.existsSync(path.join(repoRoot, '.cache/infra/arm', file.replace(/^infra\//, '').replace(/\.bicep$/, '.json'))), file).toBe(true);
        expect(resourcesOf(main()).length).toBeGreaterThan(5);
    });
});
