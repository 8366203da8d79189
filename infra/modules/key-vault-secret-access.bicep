// Deployed into the Key Vault's resource group: lets the app's identity read exactly one secret (the
// alert webhook URL) through a Key Vault reference. The vault must use Azure RBAC authorization.

import { roleIds } from 'roles.bicep'

param keyVaultName string
param secretName string
param principalId string
@description('Resource id of the identity, for a stable assignment name.')
param identityId string

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: keyVaultName

  resource secret 'secrets@2024-11-01' existing = {
    name: secretName
  }
}

// Reason: ACR_GUARD_ALERT_WEBHOOK_URL is @Microsoft.KeyVault(VaultName=...;SecretName=...), resolved
// by the platform with keyVaultReferenceIdentity (the app's user-assigned identity); Key Vault
// Secrets User reads secret values, here of this one secret only.
resource secretReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault::secret.id, identityId, roleIds.keyVaultSecretsUser)
  scope: vault::secret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultSecretsUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
