// The roles of the app's user-assigned identity in acr-guard's own resource group, each with its
// reason, none broader than the code needs (registry roles: registry-access.bicep). Role ids: roles.bicep. Names are guid(scope, identity, role): stable across re-deploys.

import { roleIds } from 'roles.bicep'
import { deadLetterContainerName } from 'names.bicep'

param identityName string
param storageAccountName string
param appInsightsName string
param alertTopicName string

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: identityName
}

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices@2025-01-01' existing = {
    name: 'default'

    resource deadLetterContainer 'containers@2025-01-01' existing = {
      name: deadLetterContainerName
    }
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource alertTopic 'Microsoft.EventGrid/topics@2025-02-15' existing = {
  name: alertTopicName
}

var principalId = identity.properties.principalId

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

// Reason: the dead-letter replay reads the events Event Grid gave up on and marks each blob it has
// replayed (blob metadata/index tags), in this container only. Blob Data Owner on the account covers
// it today; this assignment keeps the replay working should host storage ever be narrowed.
resource deadLetterReplayer 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage::blobService::deadLetterContainer.id, identity.id, roleIds.storageBlobDataContributor)
  scope: storage::blobService::deadLetterContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageBlobDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'acr-guard: replay Event Grid dead letters'
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
