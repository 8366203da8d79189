// Stage 2: the Event Grid subscription from the registry's system topic to the intake function.
// Event Grid validates an AzureFunction destination when the subscription is created, so this can
// only be deployed once the code (and with it the function) exists: azd's postdeploy hook deploys
// this file; the plain path re-deploys main.bicep with deployEventSubscription=true.

import { deadLetterContainerName, intakeFunctionName } from 'names.bicep'

param systemTopicName string
param functionAppName string
param storageAccountName string
param quarantinePrefix string
param livePrefix string

@description('Mirrors ACR_GUARD_OTHER_REPOSITORIES: with "scan" every repository is delivered, so no prefix filter.')
@allowed([
  'ignore'
  'scan'
])
param otherRepositories string = 'ignore'

resource functionApp 'Microsoft.Web/sites@2024-11-01' existing = {
  name: functionAppName
}

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: systemTopicName

  resource intake 'eventSubscriptions@2025-02-15' = {
    name: 'acr-guard-intake'
    properties: {
      destination: {
        endpointType: 'AzureFunction'
        properties: {
          resourceId: '${functionApp.id}/functions/${intakeFunctionName}'
          maxEventsPerBatch: 1
          preferredBatchSizeInKilobytes: 64
        }
      }
      eventDeliverySchema: 'EventGridSchema'
      filter: {
        // Exactly the event types the intake handles (shared/events/eventTypes.ts ACR_EVENT_TYPES).
        includedEventTypes: [
          'Microsoft.ContainerRegistry.ImagePushed'
          'Microsoft.ContainerRegistry.ImageDeleted'
          'Microsoft.ContainerRegistry.ChartPushed'
          'Microsoft.ContainerRegistry.ChartDeleted'
        ]
        // Only the repositories the intake routes (the same prefixes as its settings); string
        // comparisons in Event Grid filters are case-insensitive.
        advancedFilters: otherRepositories == 'scan'
          ? []
          : [
              {
                operatorType: 'StringBeginsWith'
                key: 'data.target.repository'
                values: [
                  quarantinePrefix
                  livePrefix
                ]
              }
            ]
      }
      // At-least-once delivery; the intake deduplicates on event id. A day of retries covers an
      // outage of the app; after that the event is dead-lettered, never dropped.
      retryPolicy: {
        maxDeliveryAttempts: 30
        eventTimeToLiveInMinutes: 1440
      }
      // Dead letters are written with the topic's system-assigned identity (Storage Blob Data
      // Contributor on the container, registry-integration.bicep): no storage key.
      deadLetterWithResourceIdentity: {
        identity: {
          type: 'SystemAssigned'
        }
        deadLetterDestination: {
          endpointType: 'StorageBlob'
          properties: {
            resourceId: storage.id
            blobContainerName: deadLetterContainerName
          }
        }
      }
    }
  }
}

output eventSubscriptionName string = systemTopic::intake.name
