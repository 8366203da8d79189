import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { settingsCatalog } from '../../shared/config/settings';
import { STORAGE_CONNECTION } from '../../shared/config/storageConnection';
import { ACR_EVENT_TYPES } from '../../shared/events/eventTypes';
import { poisonQueueOf, queues, tables } from '../../shared/storage/names';
import { allResources, property, propertyPath, stringItems, type BicepValue } from './bicep/reader';
import { bicepFiles, infraDir, readBicep, referenceDir, repoRoot } from './support';

const file = (relative: string) => readBicep(path.join(infraDir, relative));
const main = () => file('main.bicep');

function objectKeys(value: BicepValue | undefined, what: string): string[] {
    if (!value || value.kind !== 'object') throw new Error(`${what}: expected an object literal`);
    return value.properties.map((p) => p.key);
}

function sourceOf(value: BicepValue | undefined): string {
    if (!value) return '<absent>';
    if (value.kind === 'string') return `'${value.value}'`;
    if (value.kind === 'expression' || value.kind === 'interpolated') return value.source;
    return `<${value.kind}>`;
}

function stringVar(relative: string, name: string): string {
    const value = file(relative).vars.get(name);
    if (value?.kind !== 'string') throw new Error(`${relative}: var ${name} is not a string literal`);
    return value.value;
}

// --- Application settings -----------------------------------------------------------------------

/**
 * Optional settings (their schema accepts "absent") that the Bicep deliberately leaves unset, with
 * the reason. Required settings can never be listed here. Empty today: every setting is set.
 */
const OPTIONAL_SETTINGS_LEFT_UNSET: Record<string, string> = {};

describe('app settings in the Bicep match what the code reads', () => {
    const appSettings = () => main().vars.get('appSettings');
    const platformSettings = () => file('modules/function-app.bicep').vars.get('platformSettings');
    const allKeys = () => [...objectKeys(appSettings(), 'main.bicep var appSettings'), ...objectKeys(platformSettings(), 'function-app.bicep var platformSettings')];

    it('the function app gets exactly platformSettings ∪ the appSettings built in main.bicep', () => {
        const site = allResources(file('modules/function-app.bicep')).find((r) => r.type === 'Microsoft.Web/sites/config');
        expect(sourceOf(property(site?.body, 'name'))).toBe("'appsettings'");
        expect(sourceOf(property(site?.body, 'properties'))).toBe('union(platformSettings, appSettings)');
        const call = main().modules.find((m) => m.path === 'modules/function-app.bicep');
        expect(sourceOf(propertyPath(call?.body, 'params.appSettings'))).toBe('appSettings');
    });

    it('sets every setting in settingsCatalog (optional ones unless listed with a reason)', () => {
        const keys = new Set(allKeys());
        const missing: string[] = [];
        for (const spec of Object.values(settingsCatalog)) {
            if (keys.has(spec.name)) continue;
            const optional = spec.schema.safeParse(undefined).success;
            if (!optional || !(spec.name in OPTIONAL_SETTINGS_LEFT_UNSET)) missing.push(spec.name);
        }
        expect(missing).toEqual([]);
    });

    it('lists only optional, unset settings as deliberately unset', () => {
        const keys = new Set(allKeys());
        const byName = new Map(Object.values(settingsCatalog).map((s) => [s.name, s]));
        for (const name of Object.keys(OPTIONAL_SETTINGS_LEFT_UNSET)) {
            expect(byName.get(name)?.schema.safeParse(undefined).success, `${name} must be an optional catalog setting`).toBe(true);
            expect(keys.has(name), `${name} is listed as unset but the Bicep sets it`).toBe(false);
        }
    });

    it('sets no ACR_GUARD_* setting the code does not read', () => {
        const known = new Set([
            ...Object.values(settingsCatalog).map((s) => s.name),
            ...['queueServiceUri', 'tableServiceUri', 'credential', 'clientId'].map((k) => `${STORAGE_CONNECTION}__${k}`),
        ]);
        expect(allKeys().filter((k) => k.startsWith('ACR_GUARD_') && !known.has(k))).toEqual([]);
    });

    it('connects the app to its storage by identity (no connection string)', () => {
        const settings = appSettings();
        expect(objectKeys(settings, 'appSettings')).not.toContain(STORAGE_CONNECTION);
        expect(sourceOf(property(settings, `${STORAGE_CONNECTION}__queueServiceUri`))).toBe('storage.outputs.queueEndpoint');
        expect(sourceOf(property(settings, `${STORAGE_CONNECTION}__tableServiceUri`))).toBe('storage.outputs.tableEndpoint');
        expect(sourceOf(property(settings, `${STORAGE_CONNECTION}__credential`))).toBe("'managedidentity'");
        expect(sourceOf(property(settings, `${STORAGE_CONNECTION}__clientId`))).toBe('identity.properties.clientId');
    });

    it('gives the host identity-based storage and Entra-authenticated telemetry, and no keys', () => {
        const keys = allKeys();
        expect(keys).toEqual(
            expect.arrayContaining([
                'AzureWebJobsStorage__blobServiceUri',
                'AzureWebJobsStorage__queueServiceUri',
                'AzureWebJobsStorage__tableServiceUri',
                'AzureWebJobsStorage__credential',
                'AzureWebJobsStorage__clientId',
                'APPLICATIONINSIGHTS_CONNECTION_STRING',
                'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
                'AZURE_CLIENT_ID',
            ]),
        );
        expect(keys).not.toContain('AzureWebJobsStorage');
        // Flex Consumption rejects these: the runtime is functionAppConfig.runtime.
        expect(keys.filter((k) => /^FUNCTIONS_(WORKER_RUNTIME|EXTENSION_VERSION)$|^WEBSITE_/.test(k))).toEqual([]);
        expect(sourceOf(property(platformSettings(), 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'))).toContain('Authorization=AAD');
        const text = bicepFiles().map((f) => fs.readFileSync(f, 'utf8')).join('\n');
        expect(text).not.toMatch(/listKeys\(|AccountKey=|SharedAccessSignature/);
    });

    it('sets the routing settings from the same parameters the Event Grid filter uses', () => {
        const settings = appSettings();
        expect(sourceOf(property(settings, settingsCatalog.quarantinePrefix.name))).toBe('quarantinePrefix');
        expect(sourceOf(property(settings, settingsCatalog.livePrefix.name))).toBe('livePrefix');
        expect(sourceOf(property(settings, settingsCatalog.otherRepositories.name))).toBe('otherRepositories');
        const call = main().modules.find((m) => m.path === 'modules/event-subscription.bicep');
        expect(sourceOf(propertyPath(call?.body, 'params.quarantinePrefix'))).toBe('quarantinePrefix');
        expect(sourceOf(propertyPath(call?.body, 'params.livePrefix'))).toBe('livePrefix');
        expect(sourceOf(propertyPath(call?.body, 'params.otherRepositories'))).toBe('otherRepositories');
    });
});

// --- Queues and tables --------------------------------------------------------------------------

describe('storage created by the Bicep matches shared/storage/names.ts', () => {
    it('names.bicep lists every queue and table the code uses, and nothing else', () => {
        expect(stringItems(file('modules/names.bicep').vars.get('queueNames'), 'queueNames').sort()).toEqual(Object.values(queues).sort());
        expect(stringItems(file('modules/names.bicep').vars.get('tableNames'), 'tableNames').sort()).toEqual(Object.values(tables).sort());
    });

    it('creates each queue together with its poison queue, and each table', () => {
        const storage = file('modules/storage.bicep');
        expect(sourceOf(storage.vars.get('allQueueNames'))).toBe("flatten(map(queueNames, q => [q, '${q}-poison']))");
        expect(poisonQueueOf('q')).toBe('q-poison');
        const resources = allResources(storage);
        const queue = resources.find((r) => r.type === 'Microsoft.Storage/storageAccounts/queueServices/queues');
        const table = resources.find((r) => r.type === 'Microsoft.Storage/storageAccounts/tableServices/tables');
        expect(queue?.loop && table?.loop).toBe(true);
        expect(sourceOf(property(queue?.body, 'name'))).toBe('name');
        expect(storage.resources.length).toBe(1);
        expect(fs.readFileSync(path.join(infraDir, 'modules/storage.bicep'), 'utf8')).toMatch(/for name in allQueueNames:[\s\S]*for name in tableNames:/);
    });

    it('hardens the account: no shared keys, TLS 1.2, no public blobs', () => {
        const account = allResources(file('modules/storage.bicep')).find((r) => r.type === 'Microsoft.Storage/storageAccounts');
        expect(propertyPath(account?.body, 'properties.allowSharedKeyAccess')).toMatchObject({ kind: 'bool', value: false });
        expect(propertyPath(account?.body, 'properties.allowBlobPublicAccess')).toMatchObject({ kind: 'bool', value: false });
        expect(propertyPath(account?.body, 'properties.minimumTlsVersion')).toMatchObject({ kind: 'string', value: 'TLS1_2' });
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
    'Container Registry Tasks Contributor': 'fb382eab-e894-4461-af04-94435c366c3f',
    'Container Registry Repository Writer': '2a1e307c-b015-4ebd-883e-5b7698a07328',
    'Container Registry Repository Catalog Lister': 'bfdb9389-c9a5-478a-bb2f-ba9ca092c3c7',
    Contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
    'Monitoring Reader': '43d0d8ad-25c7-4714-9337-8ba259a9fe05',
    'Monitoring Metrics Publisher': '3913510d-42f4-4e42-8a64-420c390055eb',
    'EventGrid Data Sender': 'd5a91429-5739-47e2-a06b-3470a27159e7',
};

/** roles.bicep: `key: 'guid' // Role Name` lines of the roleIds map. */
function rolesInBicep(): { key: string; id: string; name: string }[] {
    const text = fs.readFileSync(path.join(infraDir, 'modules/roles.bicep'), 'utf8');
    return [...text.matchAll(/^\s*(\w+): '([0-9a-f-]{36})' \/\/ (.+)$/gm)].map((m) => ({ key: m[1]!, id: m[2]!, name: m[3]!.trim() }));
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
    it('roles.bicep holds exactly the table of built-in roles, name and id', () => {
        const roles = rolesInBicep();
        expect(roles.length).toBe(Object.keys(BUILT_IN_ROLES).length);
        expect(Object.fromEntries(roles.map((r) => [r.name, r.id]))).toEqual(BUILT_IN_ROLES);
        // The map the templates import has the same entries the comments describe.
        expect(objectKeys(file('modules/roles.bicep').vars.get('roleIds'), 'roleIds').sort()).toEqual(roles.map((r) => r.key).sort());
    });

    it('every id agrees with shared/reference/functions-and-bicep.md §3.3', () => {
        const reference = referenceRoles();
        for (const [name, id] of Object.entries(BUILT_IN_ROLES)) {
            const documented = reference.get(name);
            expect(documented, `${name} is not in the reference table`).toBeDefined();
            const [head, tail] = documented!.split('…');
            if (tail === undefined) expect(id, name).toBe(documented);
            else expect(id.startsWith(head!) && id.endsWith(tail), `${name}: ${id} vs ${documented}`).toBe(true);
        }
    });

    it('no template hard-codes a role id: assignments go through roleIds', () => {
        const guid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
        const stray = bicepFiles()
            .filter((f) => !f.endsWith('roles.bicep'))
            .flatMap((f) => [...fs.readFileSync(f, 'utf8').matchAll(guid)].map((m) => `${path.basename(f)}: ${m[0]}`))
            // The one built-in policy definition (AKS allowed images).
            .filter((s) => !s.endsWith('febd0533-8e55-448f-b837-bd0e06f16469'));
        expect(stray).toEqual([]);
        const assignments = bicepFiles().flatMap((f) => allResources(readBicep(f)).filter((r) => r.type === 'Microsoft.Authorization/roleAssignments'));
        expect(assignments.length).toBeGreaterThanOrEqual(12);
        for (const a of assignments) {
            expect(sourceOf(propertyPath(a.body, 'properties.roleDefinitionId')), a.symbol).toMatch(
                /^subscriptionResourceId\('Microsoft\.Authorization\/roleDefinitions', roleIds\.\w+\)$/,
            );
            expect(propertyPath(a.body, 'properties.principalType'), a.symbol).toMatchObject({ value: 'ServicePrincipal' });
        }
    });

    it('every role assignment carries its reason in a comment', () => {
        for (const f of bicepFiles()) {
            const lines = fs.readFileSync(f, 'utf8').split('\n');
            for (const a of allResources(readBicep(f)).filter((r) => r.type === 'Microsoft.Authorization/roleAssignments')) {
                const above = lines.slice(Math.max(0, a.line - 8), a.line - 1).join('\n');
                expect(above, `${path.basename(f)}:${a.line} ${a.symbol}`).toMatch(/\/\/ Reason/);
            }
        }
    });
});

// --- Event Grid ---------------------------------------------------------------------------------

describe('the Event Grid subscription feeds the intake function', () => {
    const subscription = () => allResources(file('modules/event-subscription.bicep')).find((r) => r.type === 'Microsoft.EventGrid/systemTopics/eventSubscriptions');

    it('filters on exactly the event types the intake handles', () => {
        const types = stringItems(propertyPath(subscription()?.body, 'properties.filter.includedEventTypes'), 'includedEventTypes');
        expect(new Set(types).size).toBe(types.length);
        expect([...types].sort()).toEqual([...ACR_EVENT_TYPES].sort());
    });

    it('delivers to the function registryEventIntake of the app', () => {
        const destination = propertyPath(subscription()?.body, 'properties.destination');
        expect(property(destination, 'endpointType')).toMatchObject({ value: 'AzureFunction' });
        expect(sourceOf(propertyPath(destination, 'properties.resourceId'))).toBe("'${functionApp.id}/functions/${intakeFunctionName}'");
        expect(stringVar('modules/names.bicep', 'intakeFunctionName')).toBe('registryEventIntake');
    });

    it('filters on the repository prefixes unless other repositories are scanned', () => {
        const filters = propertyPath(subscription()?.body, 'properties.filter.advancedFilters');
        expect(filters?.kind).toBe('ternary');
        if (filters?.kind !== 'ternary') return;
        expect(filters.condition).toBe("otherRepositories == 'scan'");
        expect(filters.whenTrue).toMatchObject({ kind: 'array', items: [] });
        const [filter] = filters.whenFalse.kind === 'array' ? filters.whenFalse.items : [];
        expect(property(filter, 'operatorType')).toMatchObject({ value: 'StringBeginsWith' });
        expect(property(filter, 'key')).toMatchObject({ value: 'data.target.repository' });
        const values = property(filter, 'values');
        expect(values?.kind === 'array' ? values.items.map(sourceOf) : []).toEqual(['quarantinePrefix', 'livePrefix']);
    });

    it('retries, and dead-letters through the topic identity', () => {
        const body = subscription()?.body;
        expect(propertyPath(body, 'properties.retryPolicy.maxDeliveryAttempts')).toMatchObject({ kind: 'number' });
        expect(propertyPath(body, 'properties.deadLetterWithResourceIdentity.identity.type')).toMatchObject({ value: 'SystemAssigned' });
        expect(propertyPath(body, 'properties.deadLetterDestination')).toBeUndefined();
        const topic = allResources(file('modules/registry-integration.bicep')).find((r) => r.type === 'Microsoft.EventGrid/systemTopics');
        expect(propertyPath(topic?.body, 'identity.type')).toMatchObject({ value: 'SystemAssigned' });
    });

    it('is stage 2: off by default in main.bicep, and the postdeploy hooks pass every parameter', () => {
        const flag = main().params.find((p) => p.name === 'deployEventSubscription');
        expect(flag?.type).toBe('bool');
        const call = main().modules.find((m) => m.path === 'modules/event-subscription.bicep');
        expect(call?.body.kind === 'if' ? call.body.condition : '').toBe('deployEventSubscription');
        const required = file('modules/event-subscription.bicep').params.filter((p) => !p.hasDefault).map((p) => p.name);
        const all = file('modules/event-subscription.bicep').params.map((p) => p.name);
        for (const script of ['postdeploy.sh', 'postdeploy.ps1']) {
            const text = fs.readFileSync(path.join(infraDir, 'scripts', script), 'utf8');
            expect(text).toContain('modules');
            expect(text).toContain('event-subscription.bicep');
            for (const name of all) expect(text, `${script} passes ${name}`).toMatch(new RegExp(`\\b${name}=`));
            // Every azd value the hook reads is an output of main.bicep (or azd's own resource group).
            for (const env of new Set([...text.matchAll(/\$(?:env:|\{)?([A-Z][A-Z0-9_]+)\b/g)].map((m) => m[1]!))) {
                if (env === 'AZURE_RESOURCE_GROUP' || env === 'LASTEXITCODE') continue;
                expect(main().outputs, `${script} reads ${env}`).toContain(env);
            }
        }
        expect(required.length).toBeGreaterThan(0);
    });
});

// --- Wiring -------------------------------------------------------------------------------------

describe('templates fit together', () => {
    it('every module call passes known parameters and all required ones', () => {
        for (const f of bicepFiles()) {
            for (const call of readBicep(f).modules) {
                const target = readBicep(path.resolve(path.dirname(f), call.path));
                const passed = objectKeys(property(call.body, 'params'), `${call.symbol} params`);
                const declared = target.params.map((p) => p.name);
                expect(passed.filter((p) => !declared.includes(p)), `${call.symbol}: unknown params`).toEqual([]);
                const required = target.params.filter((p) => !p.hasDefault && !p.nullable).map((p) => p.name);
                expect(required.filter((p) => !passed.includes(p)), `${call.symbol}: missing params`).toEqual([]);
            }
        }
    });

    it('imports only names the imported file exports', () => {
        for (const f of bicepFiles()) {
            for (const imp of readBicep(f).imports) {
                const source = readBicep(path.resolve(path.dirname(f), imp.from));
                for (const name of imp.names) expect(source.vars.has(name), `${path.basename(f)} imports ${name} from ${imp.from}`).toBe(true);
            }
        }
    });

    it('main.parameters.json sets only parameters main.bicep declares', () => {
        const json = JSON.parse(fs.readFileSync(path.join(infraDir, 'main.parameters.json'), 'utf8')) as { parameters: Record<string, unknown> };
        const declared = main().params.map((p) => p.name);
        expect(Object.keys(json.parameters).filter((p) => !declared.includes(p))).toEqual([]);
    });

    it('outputs the function app name, registry login server, alert topic endpoint and workspace id', () => {
        expect(main().outputs).toEqual(expect.arrayContaining(['FUNCTION_APP_NAME', 'REGISTRY_LOGIN_SERVER', 'ALERT_TOPIC_ENDPOINT', 'LOG_ANALYTICS_WORKSPACE_ID']));
    });

    it('azure.yaml deploys the repo as the api function service and runs both postdeploy hooks', () => {
        const yaml = fs.readFileSync(path.join(repoRoot, 'azure.yaml'), 'utf8');
        expect(yaml).toMatch(/services:\n {2}api:\n {4}project: \.\n {4}language: ts\n {4}host: function/);
        expect(yaml).toContain('run: ./infra/scripts/postdeploy.sh');
        expect(yaml).toContain('run: ./infra/scripts/postdeploy.ps1');
        const site = allResources(file('modules/function-app.bicep')).find((r) => r.type === 'Microsoft.Web/sites');
        expect(sourceOf(property(site?.body, 'tags'))).toContain("'azd-service-name': 'api'");
    });

    it('the scheduled query alert covers pushes and imports into the live prefix', () => {
        const query = file('modules/alerts.bicep').vars.get('query');
        const text = sourceOf(query);
        expect(text).toContain("OperationName =~ \\'Push\\'");
        expect(text).toContain("OperationName =~ \\'importImage\\'");
        expect(text).toContain('join kind=leftanti promotions');
    });
});

describe('infra/README.md', () => {
    it('documents every parameter of main.bicep', () => {
        const bicep = fs.readFileSync(path.join(infraDir, 'main.bicep'), 'utf8');
        const readme = fs.readFileSync(path.join(infraDir, 'README.md'), 'utf8');
        const params = [...bicep.matchAll(/^param (\w+) /gm)].map((m) => m[1]!);
        expect(params.length).toBeGreaterThan(10);
        expect(params.filter((p) => !readme.includes(`| \`${p}\` |`))).toEqual([]);
    });
});
