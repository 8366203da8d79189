// The Event Grid system topic that publishes the registry's push/delete events, in acr-guard's own
// resource group and in the registry's region (a system topic must be where its source is; the
// location arrives as a module parameter because the registry may be an existing one elsewhere).

import { roleIds } from 'roles.bicep'
import { deadLetterContainerName } from 'names.bicep'

param tags object
param systemTopicName string
param registryId string
param registryLocation string
param storageAccountName string

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices@2025-01-01' existing = {
    name: 'default'

    resource deadLetterContainer 'containers@2025-01-01' existing = {
      name: deadLetterContainerName
    }
  }
}

// One system topic per source. Its system-assigned identity writes dead letters (below), so the
// storage account needs no shared key.
resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: systemTopicName
  location: registryLocation
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: registryId
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

output systemTopicName string = systemTopic.name
output systemTopicId string = systemTopic.id
