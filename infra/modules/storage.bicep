// The app's storage account: Functions host storage, the app's queues and tables, the deployment
// package container and the Event Grid dead-letter container. Hardened like Microsoft's Flex
// Consumption samples: no shared keys (every client uses Entra ID), TLS 1.2, no public blobs.

import { queueNames, tableNames, deploymentContainerName, deadLetterContainerName } from 'names.bicep'

param location string
param tags object
param storageAccountName string

// Each application queue plus the poison queue the Functions host moves failed messages to.
var allQueueNames = flatten(map(queueNames, q => [q, '${q}-poison']))

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: storageAccountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    dnsEndpointType: 'Standard'
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      // Event Grid dead-lettering and the Functions platform reach the account as trusted services.
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }

  resource blobService 'blobServices@2025-01-01' = {
    name: 'default'

    resource deploymentContainer 'containers@2025-01-01' = {
      name: deploymentContainerName
      properties: {
        publicAccess: 'None'
      }
    }

    resource deadLetterContainer 'containers@2025-01-01' = {
      name: deadLetterContainerName
      properties: {
        publicAccess: 'None'
      }
    }
  }

  resource queueService 'queueServices@2025-01-01' = {
    name: 'default'

    resource queue 'queues@2025-01-01' = [
      for name in allQueueNames: {
        name: name
      }
    ]
  }

  resource tableService 'tableServices@2025-01-01' = {
    name: 'default'

    resource table 'tables@2025-01-01' = [
      for name in tableNames: {
        name: name
      }
    ]
  }
}

output storageAccountName string = storage.name
output storageAccountId string = storage.id
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output queueEndpoint string = storage.properties.primaryEndpoints.queue
output tableEndpoint string = storage.properties.primaryEndpoints.table
output deploymentContainerName string = deploymentContainerName
output deadLetterContainerName string = deadLetterContainerName
