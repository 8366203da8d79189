// Built-in Azure role definition ids used by acr-guard, in one place. Each id was looked up (not
// guessed): AVM `builtInRoleNames` maps (avm/res/storage/storage-account, container-registry/registry,
// event-grid/topic) and the Azure built-in roles reference; test/infra/consistency.test.ts checks
// every id against its own table and shared/reference/functions-and-bicep.md §3.3. Task runs use a
// custom role (registry-access.bicep), not Container Registry Tasks Contributor.

@export()
@description('Built-in role definition GUIDs by role (name in the comment).')
var roleIds = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe' // Storage Blob Data Contributor
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
  acrDataImporterAndDataReader: '577a9874-89fd-4f24-9dbd-b5034d0ad23a' // Container Registry Data Importer and Data Reader
  acrRepositoryWriter: '2a1e307c-b015-4ebd-883e-5b7698a07328' // Container Registry Repository Writer
  acrRepositoryCatalogLister: 'bfdb9389-c9a5-478a-bb2f-ba9ca092c3c7' // Container Registry Repository Catalog Lister
  contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c' // Contributor
  monitoringReader: '43d0d8ad-25c7-4714-9337-8ba259a9fe05' // Monitoring Reader
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb' // Monitoring Metrics Publisher
  eventGridDataSender: 'd5a91429-5739-47e2-a06b-3470a27159e7' // EventGrid Data Sender
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6' // Key Vault Secrets User
}
