// Wiring on the guarded registry (new or existing, in this resource group): resource logs to the
// workspace and the Event Grid system topic that publishes its push/delete events.

import { roleIds } from 'roles.bicep'
import { deadLetterContainerName } from 'names.bicep'

param tags object
param registryName string
param workspaceId string
param systemTopicName string
param storageAccountName string

resource registry 'Microsoft.ContainerRegistry/registries@2025-11-01' existing = {
  name: registryName
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

// Repository events (push, pull, delete, untag, importImage) and logins land in the tables
// ContainerRegistryRepositoryEvents / ContainerRegistryLoginEvents: the reconciliation timer and the
// scheduled query alert read them. Nothing is collected without this setting.
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'acr-guard'
  scope: registry
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        category: 'ContainerRegistryRepositoryEvents'
        enabled: true
      }
      {
        category: 'ContainerRegistryLoginEvents'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

// One system topic per source. Its system-assigned identity writes dead letters (below), so the
// storage account needs no shared key.
resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: systemTopicName
  location: registry.location
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: registry.id
    topicType: 'Microsoft.ContainerRegistry.Registries'
  }
}

// Reason: Event Grid dead-letters undeliverable registry events with the topic's identity
// (deadLetterWithResourceIdentity); scoped to the dead-letter container only.
resource deadLetterWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage::blobService::deadLetterContainer.id, systemTopic.id, roleIds.storageBlobDataContributor)
  scope: storage::blobService::deadLetterContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageBlobDataContributor)
    principalId: systemTopic.identity.principalId
    principalType: 'ServicePrincipal'
    description: 'acr-guard: Event Grid system topic writes dead-lettered registry events'
  }
}

output registryId string = registry.id
output loginServer string = registry.properties.loginServer
output systemTopicName string = systemTopic.name
