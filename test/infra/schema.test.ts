import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allResources, parseBicep } from './bicep/reader';
import { checkFile, formatProblem } from './bicep/schema';
import { bicepFiles, infraDir, readBicep, types } from './support';

// Stands in for `az bicep build`: every resource declaration in infra/ against the type data Bicep
// itself compiles with (../shared/bicep-types).
describe('infra/*.bicep against the Bicep type data', () => {
    const files = bicepFiles();

    it('finds the templates', () => {
        expect(files.map((f) => path.relative(infraDir, f))).toEqual(
            expect.arrayContaining(['main.bicep', path.join('modules', 'function-app.bicep'), path.join('modules', 'event-subscription.bicep')]),
        );
    });

    it.each(files.map((f) => [path.relative(infraDir, f), f]))('%s: every resource matches its type, API version and properties', (_name, file) => {
        const problems = checkFile(readBicep(file), types()).map(formatProblem);
        expect(problems).toEqual([]);
    });

    it('reads every resource declaration, nested ones and loops included', () => {
        const declared = files.flatMap((f) => allResources(readBicep(f)).map((r) => `${r.type}@${r.apiVersion}`));
        expect(declared).toEqual(
            expect.arrayContaining([
                'Microsoft.Storage/storageAccounts/queueServices/queues@2025-01-01',
                'Microsoft.Storage/storageAccounts/tableServices/tables@2025-01-01',
                'Microsoft.Web/sites/config@2024-11-01',
                'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15',
                'Microsoft.Authorization/roleAssignments@2022-04-01',
            ]),
        );
        const queues = files.flatMap((f) => allResources(readBicep(f))).find((r) => r.symbol === 'queue');
        expect(queues?.loop).toBe(true);
    });

    it('uses stable API versions, except diagnostic settings (whose only newer version is a preview)', () => {
        const previews = files
            .flatMap((f) => allResources(readBicep(f)))
            .filter((r) => r.apiVersion.endsWith('-preview'))
            .map((r) => `${r.type}@${r.apiVersion}`);
        expect([...new Set(previews)]).toEqual(['Microsoft.Insights/diagnosticSettings@2021-05-01-preview']);
    });

    it('declares no secret parameter without @secure()', () => {
        const unsafe = files.flatMap((f) =>
            readBicep(f)
                .params.filter((p) => /password|secret|key$|connectionstring/i.test(p.name) && !p.secure)
                .map((p) => `${path.relative(infraDir, f)}:${p.line} ${p.name}`),
        );
        expect(unsafe).toEqual([]);
    });
});

describe('the schema check catches mistakes', () => {
    const snippet = `
param location string
resource badVersion 'Microsoft.Storage/storageAccounts@2099-01-01' = {
  name: 'st'
}
resource badType 'Microsoft.Storage/storageAccountz@2025-01-01' = {
  name: 'st'
}
resource account 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: 'stexample'
  location: location
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Warm'
    allowSharedKeyAcess: false
    primaryEndpoints: {
      blob: 'https://example'
    }
    networkAcls: {
      bypass: 'AzureServices'
    }
    allowBlobPublicAccess: 'no'
  }
}
resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: 'egst'
  resource sub 'eventSubscriptions@2025-02-15' = {
    name: 'sub'
    properties: {
      destination: {
        endpointType: 'AzureFunction'
        properties: {
          resourceId: 'x'
          queueName: 'not-for-functions'
        }
      }
      filter: {
        advancedFilters: [
          {
            operatorType: 'StringBeginsWith'
            key: 'data.target.repository'
            values: [
              'live/'
            ]
          }
          {
            operatorType: 'StringStartsWith'
            key: 'subject'
          }
        ]
      }
    }
  }
}
resource plan 'Microsoft.Web/serverfarms@2024-11-01' = [for i in range(0, 2): {
  name: 'plan-\${i}'
  location: location
  sku: {
    tier: true ? 'FlexConsumption' : 'Dynamic'
    nmae: 'FC1'
  }
}]
`;
    const problems = checkFile(parseBicep(snippet, 'wrong.bicep'), types()).map(formatProblem);

    it.each([
        ["wrong.bicep:3 resource badVersion 'Microsoft.Storage/storageAccounts@2099-01-01': unknown API version '2099-01-01'"],
        ["wrong.bicep:6 resource badType 'Microsoft.Storage/storageAccountz@2025-01-01': unknown resource type"],
        ["resource account 'Microsoft.Storage/storageAccounts@2025-01-01' properties.accessTier: 'Warm' is not an allowed value"],
        ["resource account 'Microsoft.Storage/storageAccounts@2025-01-01' properties.allowSharedKeyAcess: unknown property"],
        ["resource account 'Microsoft.Storage/storageAccounts@2025-01-01' properties.primaryEndpoints: read-only property is set"],
        ["resource account 'Microsoft.Storage/storageAccounts@2025-01-01' properties.networkAcls.defaultAction: required property is missing"],
        ["resource account 'Microsoft.Storage/storageAccounts@2025-01-01' properties.allowBlobPublicAccess: expected bool, found a string"],
        ["resource sub 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' properties.destination.properties.queueName: property not allowed here: only for properties.destination.endpointType in [StorageQueue]"],
        ["resource sub 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' properties.filter.advancedFilters[].operatorType: 'StringStartsWith' is not an allowed value"],
        ["resource plan 'Microsoft.Web/serverfarms@2024-11-01' sku.nmae: unknown property"],
    ])('reports %s', (expected) => {
        expect(problems.some((p) => p.includes(expected))).toBe(true);
    });

    it('reports nothing else (the valid parts of the snippet pass)', () => {
        expect(problems).toHaveLength(10);
    });
});
