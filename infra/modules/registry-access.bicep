// Deployed into the guarded registry's resource group: every role of the app's identity on the
// registry, each with its reason. Names are guid(scope, identity, role): stable across re-deploys.
//
// Nobody of acr-guard can push into live/ except through promotion: promotion is ARM importImage,
// which the app holds through Container Registry Data Importer and Data Reader. The task runner role
// has no data-plane rights; Repository Writer is conditioned to content writes in quarantine/ only;
// no AcrPush, no Tasks Contributor, no Repository Contributor, no Owner. The one exception is opt-in
// and loud: legacy-mode registries with enableImageLocking get Contributor (see below).

import { roleIds } from 'roles.bicep'

param registryName string
@description('Principal id of the app\'s user-assigned identity.')
param principalId string
@description('Resource id of that identity, for stable assignment names.')
param identityId string
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

resource registry 'Microsoft.ContainerRegistry/registries@2025-11-01' existing = {
  name: registryName
}

var isAbac = registryRoleAssignmentMode == 'AbacRepositoryPermissions'

// Reason: promotion is importImage (quarantine -> live, by digest); the role also reads tags and
// manifests (pull, metadata read) in both permission modes. It cannot push or modify content.
resource registryImporter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, identityId, roleIds.acrDataImporterAndDataReader)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.acrDataImporterAndDataReader)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Least privilege for task runs: exactly the control-plane actions the code calls
// (shared/registry/acrTaskRunner.ts), instead of Container Registry Tasks Contributor, whose task
// management can be turned into full data-plane read/write/delete. No task create/update, no
// listBuildSourceUploadUrl (the app sends encoded task runs), no cancel.
var taskRunnerActions = [
  'Microsoft.ContainerRegistry/registries/read' // the registry's properties
  'Microsoft.ContainerRegistry/registries/scheduleRun/action' // queue a quick run (Trivy scan, Copacetic patch)
  'Microsoft.ContainerRegistry/registries/runs/read' // poll the run
  'Microsoft.ContainerRegistry/registries/runs/listLogSasUrl/action' // read the run log (the scan report)
]

resource taskRunnerRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, registry.id, 'acr-guard-task-runner')
  properties: {
    roleName: 'acr-guard task runner (${registry.name}, ${resourceGroup().name})'
    description: 'acr-guard: schedule ACR quick runs on one registry, poll them and read their logs. Nothing else.'
    type: 'CustomRole'
    assignableScopes: [
      resourceGroup().id
    ]
    permissions: [
      {
        actions: taskRunnerActions
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
  }
}

// Reason: scans and patches run as ACR quick runs (scheduleRun); the app polls the runs and reads
// their logs. In legacy mode a quick run gets registry access from the run itself; in ABAC mode the
// app asks for its own identity ([caller]) and the Repository roles below apply.
resource taskRunner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, identityId, 'acr-guard-task-runner')
  scope: registry
  properties: {
    // Role definitions live at subscription level whatever scope created them.
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', taskRunnerRole.name)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// ABAC registries: quick runs get no data-plane access of their own. The app schedules each run with
// its own identity as the run's registry identity (scheduleRun body credentials.sourceRegistry.identity
// = '[caller]', API 2025-03-01-preview; `az acr run --source-acr-auth-id [caller]`), so the run reads
// and pushes with the Repository roles assigned here to the app's identity. Writer, narrowed by condition: read within quarantine/ and live/; push content (patched
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
  name: guid(registry.id, identityId, roleIds.acrRepositoryWriter)
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
  name: guid(registry.id, identityId, roleIds.acrRepositoryCatalogLister)
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
  name: guid(registry.id, identityId, roleIds.contributor)
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
  name: guid(registry.id, identityId, roleIds.monitoringReader)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.monitoringReader)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

output taskRunnerRoleDefinitionId string = taskRunnerRole.id
