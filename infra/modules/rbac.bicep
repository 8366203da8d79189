// Every role the app's user-assigned identity holds, each with its reason, none broader than the
// code needs. Role ids: roles.bicep. Names are guid(scope, identity, role): stable across re-deploys.

import { roleIds } from 'roles.bicep'

param identityName string
param storageAccountName string
param registryName string
param appInsightsName string
param alertTopicName string
param quarantinePrefix string
param livePrefix string

@description('The registry\'s role assignment mode: ABAC registries get repository-scoped data-plane roles.')
@allowed([
  'AbacRepositoryPermissions'
  'LegacyRegistryPermissions'
])
param registryRoleAssignmentMode string

@description('Grant what locking promoted/bypassing images needs (manifest and tag attributes).')
param enableImageLocking bool

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: identityName
}

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource registry 'Microsoft.ContainerRegistry/registries@2025-11-01' existing = {
  name: registryName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource alertTopic 'Microsoft.EventGrid/topics@2025-02-15' existing = {
  name: alertTopicName
}

var principalId = identity.properties.principalId
var isAbac = registryRoleAssignmentMode == 'AbacRepositoryPermissions'

// --- Host storage -------------------------------------------------------------------------------

// Reason: the Functions host keeps its leases, timer schedules and keys in blobs; Microsoft's
// minimum for identity-based AzureWebJobsStorage is Blob Data Owner. Also reads the Flex package.
resource hostBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roleIds.storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageBlobDataOwner)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Reason: queue triggers read, update (release after a failure) and delete messages and move them
// to <queue>-poison; the app enqueues scan requests. Reader + Message Processor fails on release.
resource queueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roleIds.storageQueueDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageQueueDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Reason: the app's tables (registry events, scan results, promotions) and the host's diagnostic events.
resource tableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roleIds.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageTableDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// --- Registry -----------------------------------------------------------------------------------

// Reason: promotion is importImage (quarantine -> live, by digest); the role also reads tags and
// manifests (pull, metadata read) in both permission modes. It cannot push or modify content.
resource registryImporter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, identity.id, roleIds.acrDataImporterAndDataReader)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.acrDataImporterAndDataReader)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Reason: scans and patches run as ACR quick runs (scheduleRun), the app polls runs and reads their
// logs. Control plane only: no image data. In legacy mode a run gets registry access from the run
// itself, so no AcrPull for a task identity is needed (the app defines no task identity).
resource registryTasks 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, identity.id, roleIds.acrTasksContributor)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.acrTasksContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// ABAC registries: quick runs get no data-plane access of their own; the caller needs a Repository
// role. Writer, narrowed by condition: read within quarantine/ and live/; push content (patched
// images) only into quarantine/; write metadata (manifest/tag attributes: locking) in quarantine/
// and live/. Writer has no delete action, and content writes to live/ are impossible by condition,
// so the app can never push into live/ itself (promotion stays importImage).
var repositoryName = '@Request[Microsoft.ContainerRegistry/registries/repositories:name]'
var abacCondition = join(
  [
    '('
    ' !(ActionMatches{\'Microsoft.ContainerRegistry/registries/repositories/content/write\'})'
    ' OR ${repositoryName} StringStartsWithIgnoreCase \'${quarantinePrefix}\''
    ')'
    'AND'
    '('
    ' ('
    '  !(ActionMatches{\'Microsoft.ContainerRegistry/registries/repositories/content/read\'})'
    '  AND !(ActionMatches{\'Microsoft.ContainerRegistry/registries/repositories/metadata/read\'})'
    '  AND !(ActionMatches{\'Microsoft.ContainerRegistry/registries/repositories/metadata/write\'})'
    ' )'
    ' OR ${repositoryName} StringStartsWithIgnoreCase \'${quarantinePrefix}\''
    ' OR ${repositoryName} StringStartsWithIgnoreCase \'${livePrefix}\''
    ')'
  ],
  '\n'
)

// Reason (ABAC mode): scan/patch quick runs read quarantine/ and live/ and push patched images to
// quarantine/; locking writes manifest attributes in live/ (see the condition above).
resource repositoryWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (isAbac) {
  name: guid(registry.id, identity.id, roleIds.acrRepositoryWriter)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.acrRepositoryWriter)
    principalId: principalId
    principalType: 'ServicePrincipal'
    condition: abacCondition
    conditionVersion: '2.0'
  }
}

// Reason (ABAC mode): Microsoft documents Catalog Lister as required, with a Repository role, for the
// caller of quick runs on ABAC registries; it lists repository names only (no content).
resource catalogLister 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (isAbac) {
  name: guid(registry.id, identity.id, roleIds.acrRepositoryCatalogLister)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.acrRepositoryCatalogLister)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Reason (legacy mode, opt-in): on registries without ABAC no data-plane role below Contributor can
// change manifest/tag attributes (AcrPush and AcrDelete cannot manage locks; Microsoft's lock docs).
// Contributor on this one registry is broad (it can also delete the registry), hence opt-in via
// enableImageLocking; prefer switching the registry to ABAC mode.
resource legacyLocker 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!isAbac && enableImageLocking) {
  name: guid(registry.id, identity.id, roleIds.contributor)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.contributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'acr-guard: lock images (manifest/tag writeEnabled=false) on a registry without ABAC'
  }
}

// Reason: the reconciliation timer queries the registry's resource logs by the registry's id
// (LogsQueryClient.queryResource). Resource-context queries need read on the registry's logs
// (Microsoft.Insights/logs/*/read on the registry); Monitoring Reader is the monitoring-data read
// role and grants nothing beyond read.
resource registryLogsReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, identity.id, roleIds.monitoringReader)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.monitoringReader)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// --- Monitoring ---------------------------------------------------------------------------------

// No role on the Log Analytics workspace: the app only runs resource-context queries
// (queryResource on the registry id, authorized by Monitoring Reader above; the workspace is in
// resource-permission mode). Log Analytics Reader there would read every table, app logs included.

// Reason: Application Insights has local auth disabled; telemetry ingestion with Entra ID needs
// Monitoring Metrics Publisher on the component.
resource telemetryPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, identity.id, roleIds.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.monitoringMetricsPublisher)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// --- Alerts -------------------------------------------------------------------------------------

// Reason: the app publishes bypass alerts to the custom topic (local auth disabled); send only.
resource alertSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(alertTopic.id, identity.id, roleIds.eventGridDataSender)
  scope: alertTopic
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.eventGridDataSender)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
