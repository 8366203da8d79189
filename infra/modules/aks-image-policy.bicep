// Optional: deny pods in AKS clusters of this resource group whose images do not come from
// <registry>/live/ (built-in policy "Kubernetes cluster containers should only use allowed images").
// The deployer needs Resource Policy Contributor (or Owner) on the resource group.

param registryLoginServer string
param livePrefix string

@description('Namespaces the policy does not apply to (system add-ons pull from mcr.microsoft.com).')
param excludedNamespaces array = [
  'kube-system'
  'gatekeeper-system'
  'azure-arc'
]

// Built-in definition febd0533-8e55-448f-b837-bd0e06f16469 (shared/reference/quarantine-and-acr-logs.md §1.6).
var definitionId = tenantResourceId('Microsoft.Authorization/policyDefinitions', 'febd0533-8e55-448f-b837-bd0e06f16469')
var escapedLoginServer = replace(registryLoginServer, '.', '\\.')
var escapedLivePrefix = replace(livePrefix, '/', '\\/')

resource assignment 'Microsoft.Authorization/policyAssignments@2025-01-01' = {
  name: guid(resourceGroup().id, definitionId, registryLoginServer)
  properties: {
    displayName: 'acr-guard: AKS pods only run images from ${registryLoginServer}/${livePrefix}'
    policyDefinitionId: definitionId
    enforcementMode: 'Default'
    parameters: {
      allowedContainerImagesRegex: {
        value: '^${escapedLoginServer}\\/${escapedLivePrefix}.+$'
      }
      effect: {
        value: 'Deny'
      }
      excludedNamespaces: {
        value: excludedNamespaces
      }
    }
  }
}

output policyAssignmentId string = assignment.id
