// The acr-guard function app on Flex Consumption (FC1, Linux, Node 22) running as a user-assigned
// managed identity. The package is deployed to a blob container the app reads with that identity.

import { deploymentContainerName } from 'names.bicep'

param location string
param tags object
param planName string
param functionAppName string
param identityName string
param storageAccountName string
param appInsightsName string

@description('Application settings the code reads (ACR_GUARD_*), built in main.bicep. No secrets: this object is recorded with the deployment.')
param appSettings object

@description('ACR_GUARD_ALERT_WEBHOOK_URL: a Key Vault reference (preferred) or the webhook URL itself. Secure: never recorded in the deployment history.')
@secure()
param alertWebhookUrl string = ''

@description('Client id of the Entra ID app registration for App Service Authentication; empty = none.')
param apiAuthClientId string = ''

@description('Node.js major version on Flex Consumption (Node 20 left Azure Functions support on 2026-04-30).')
@allowed([
  '22'
])
param nodeVersion string = '22'

@description('Upper bound of Flex Consumption instances.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory per instance (MB).')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: identityName
}

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    // Linux.
    reserved: true
  }
}

// Host and storage settings: identity-based connections only (no keys or connection strings).
// FUNCTIONS_WORKER_RUNTIME / FUNCTIONS_EXTENSION_VERSION are not app settings on Flex: the runtime
// comes from functionAppConfig.runtime.
var platformSettings = {
  // Functions host storage (leases, timers, diagnostics) through the managed identity.
  AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
  AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
  AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identity.properties.clientId
  // Telemetry with Entra ID (the component has local auth disabled).
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.properties.clientId};Authorization=AAD'
  // DefaultAzureCredential in the SDK clients (ACR, ARM, Logs, Event Grid) picks the user-assigned identity.
  AZURE_CLIENT_ID: identity.properties.clientId
}

resource functionApp 'Microsoft.Web/sites@2024-11-01' = {
  name: functionAppName
  location: location
  // azd finds the app to deploy the `api` service to by this tag.
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references (the alert webhook) resolve with the user-assigned identity, which holds
    // Key Vault Secrets User on the secret; without this the platform would try a system identity.
    keyVaultReferenceIdentity: identity.id
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
  }

  resource settings 'config@2024-11-01' = {
    name: 'appsettings'
    properties: union(platformSettings, appSettings, { ACR_GUARD_ALERT_WEBHOOK_URL: alertWebhookUrl })
  }

  // Deployment and the Kudu/FTP endpoints take Entra ID tokens only: basic (user/password)
  // publishing credentials are off.
  resource ftpCredentials 'basicPublishingCredentialsPolicies@2024-11-01' = {
    name: 'ftp'
    properties: {
      allow: false
    }
  }

  resource scmCredentials 'basicPublishingCredentialsPolicies@2024-11-01' = {
    name: 'scm'
    properties: {
      allow: false
    }
  }

  // Microsoft Entra ID in front of the HTTP endpoints (approvals, patching). Requests without a
  // valid token for api://<client id> get 401. The Event Grid delivery path (system key) is excluded:
  // Event Grid does not send Entra tokens to an AzureFunction destination. Flex Consumption: see
  // infra/README.md; the app validates the bearer token itself too (ACR_GUARD_API_AUTH_*).
  resource authSettings 'config@2024-11-01' = if (!empty(apiAuthClientId)) {
    name: 'authsettingsV2'
    properties: {
      platform: {
        enabled: true
      }
      globalValidation: {
        requireAuthentication: true
        unauthenticatedClientAction: 'Return401'
        excludedPaths: [
          '/runtime/webhooks/eventgrid'
        ]
      }
      identityProviders: {
        azureActiveDirectory: {
          enabled: true
          registration: {
            clientId: apiAuthClientId
            openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
          }
          validation: {
            allowedAudiences: [
              'api://${apiAuthClientId}'
            ]
          }
        }
      }
      login: {
        tokenStore: {
          enabled: false
        }
      }
    }
  }
}

output functionAppName string = functionApp.name
output functionAppId string = functionApp.id
output defaultHostName string = functionApp.properties.defaultHostName
