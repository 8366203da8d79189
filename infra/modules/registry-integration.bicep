// Deployed into the guarded registry's resource group (which may be another one than acr-guard's):
// resource logs to the workspace, and the delete lock that keeps the registry safe from `azd down`
// and every other delete. The registry itself is never created or changed here.

param registryName string
param workspaceId string

@description('CanNotDelete lock on the registry (needs Microsoft.Authorization/locks/write: Owner or User Access Administrator).')
param lockRegistry bool

resource registry 'Microsoft.ContainerRegistry/registries@2025-11-01' existing = {
  name: registryName
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

// The guarded registry outlives acr-guard: a resource group delete (`azd down`) or a registry delete
// fails while this lock exists. Remove it deliberately (az lock delete) to retire a registry.
resource deleteLock 'Microsoft.Authorization/locks@2020-05-01' = if (lockRegistry) {
  name: 'acr-guard-do-not-delete'
  scope: registry
  properties: {
    level: 'CanNotDelete'
    notes: 'The registry acr-guard guards. Deleting it deletes every image; remove this lock deliberately first.'
  }
}

output registryId string = registry.id
output loginServer string = registry.properties.loginServer
output location string = registry.location
