// A new Premium registry for acr-guard to guard (used only when no existing registry is named).
// Premium: network rules, retention policy and zone redundancy; registries of any SKU work with
// the app itself.

param location string
param tags object
param registryName string

@description('ABAC mode lets role assignments be scoped to repository prefixes (quarantine/, live/).')
@allowed([
  'AbacRepositoryPermissions'
  'LegacyRegistryPermissions'
])
param roleAssignmentMode string

resource registry 'Microsoft.ContainerRegistry/registries@2025-11-01' = {
  name: registryName
  location: location
  tags: tags
  sku: {
    name: 'Premium'
  }
  properties: {
    // Entra ID only: no admin user, no anonymous pull.
    adminUserEnabled: false
    anonymousPullEnabled: false
    roleAssignmentMode: roleAssignmentMode
    // importImage and Defender reach a network-restricted registry as trusted services.
    networkRuleBypassOptions: 'AzureServices'
    publicNetworkAccess: 'Enabled'
    zoneRedundancy: 'Disabled'
    policies: {
      // Untagged manifests (for example superseded quarantine pushes) are purged after 15 days.
      retentionPolicy: {
        days: 15
        status: 'enabled'
      }
    }
  }
}

output registryId string = registry.id
output loginServer string = registry.properties.loginServer
