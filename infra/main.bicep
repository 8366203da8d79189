// acr-guard: everything the app needs in one resource group, managed identity everywhere, least
// privilege. Deploy with `azd up`, or `az deployment group create` + zip deploy (README.md).
targetScope = 'resourceGroup'

@description('Short prefix of every resource name (lower-case letters, digits, hyphens).')
@minLength(2)
@maxLength(12)
param namePrefix string = 'acrguard'

@description('Region of the new resources (the system topic follows the registry\'s region).')
param location string = resourceGroup().location

@description('azd environment name (azd sets it); tags the resources when given.')
param environmentName string = ''

@description('Name of an existing registry to guard. Empty: create a new Premium registry in this resource group.')
param existingRegistryName string = ''

@description('Resource group of the existing registry (same subscription). Empty: this resource group. Keep an existing registry in its own resource group: `azd down` deletes only this one.')
param existingRegistryResourceGroup string = ''

@description('Put a CanNotDelete lock on the guarded registry (the deployer needs Owner or User Access Administrator there). Nothing, `azd down` included, can then delete it until the lock is removed.')
param lockRegistry bool = true

@description('Role assignment mode of the registry: a new registry is created with it; for an existing one, state its current mode.')
@allowed([
  'AbacRepositoryPermissions'
  'LegacyRegistryPermissions'
])
param registryRoleAssignmentMode string = 'AbacRepositoryPermissions'

@description('Repository prefix where images land and are scanned (ACR_GUARD_QUARANTINE_PREFIX).')
@minLength(2)
param quarantinePrefix string = 'quarantine/'

@description('Repository prefix only promoted images may reach (ACR_GUARD_LIVE_PREFIX).')
@minLength(2)
param livePrefix string = 'live/'

@description('Pushes outside both prefixes: ignore or scan (ACR_GUARD_OTHER_REPOSITORIES).')
@allowed([
  'ignore'
  'scan'
])
param otherRepositories string = 'ignore'

@description('Grant the roles needed to lock images. On legacy-mode registries this means Contributor on the registry.')
param enableImageLocking bool = false

@description('Stage 2: create the Event Grid subscription to the intake function. Only once the code is deployed.')
param deployEventSubscription bool = false

@description('E-mail receivers for the alert action group: [{ "name": "...", "emailAddress": "..." }].')
param alertEmailReceivers array = []

@description('One e-mail address that receives every alert rule (azd: ACR_GUARD_ALERT_EMAIL). Empty and no alertEmailReceivers: the rules fire but notify nobody (the deployment output NOTIFICATIONS and the postdeploy hook say so loudly).')
param alertEmail string = ''

@description('Assign the built-in policy that restricts AKS clusters in this resource group to <registry>/live/ images.')
param assignAksImagePolicy bool = false

@description('Webhook for alerts (Slack or Teams incoming webhook) given directly. It is a secret: prefer alertWebhookKeyVaultName + alertWebhookSecretName. Only ever passed through @secure() parameters. Empty: no webhook sink (unless the Key Vault secret is given).')
@secure()
param alertWebhookUrl string = ''

@description('Key Vault (RBAC authorization) holding the alert webhook URL as a secret. The app reads it as a Key Vault reference with its user-assigned identity, which gets Key Vault Secrets User on that secret only.')
param alertWebhookKeyVaultName string = ''

@description('Resource group of alertWebhookKeyVaultName. Empty: this resource group.')
param alertWebhookKeyVaultResourceGroup string = ''

@description('Name of the secret in alertWebhookKeyVaultName that holds the alert webhook URL.')
param alertWebhookSecretName string = ''

@description('Client id of the Entra ID app registration that protects the HTTP endpoints (approvals, patching). Empty: no App Service Authentication; function keys only (local use). See infra/README.md on Flex Consumption and token validation in the app.')
param apiAuthClientId string = ''

@description('Payload shape for the alert webhook: auto (by host name), slack or teams.')
@allowed([
  'auto'
  'slack'
  'teams'
])
param alertWebhookFormat string = 'auto'

@description('Trivy image the scan task runs in ACR Tasks (ACR_GUARD_TRIVY_IMAGE). Pin it by digest in production.')
param trivyImage string = 'ghcr.io/aquasecurity/trivy:0.58.1'

@description('Trivy vulnerability DB repositories, comma-separated, tried in order (ACR_GUARD_TRIVY_DB_REPOSITORIES).')
param trivyDbRepositories string = 'ghcr.io/aquasecurity/trivy-db:2,public.ecr.aws/aquasecurity/trivy-db:2'

@description('Trivy --timeout for one image scan, in seconds (ACR_GUARD_SCAN_TIMEOUT_SECONDS). At most 1200: the scan run, with head room, must end within host.json functionTimeout (00:30:00); see shared/registry/trivyScanTask.ts.')
@minValue(60)
@maxValue(1200)
param scanTimeoutSeconds int = 900

@description('Gate policy file the scan worker applies (ACR_GUARD_GATE_POLICY_PATH), relative to the app root (deploy it with the app package). Empty: the built-in default policy (fixable CRITICAL and HIGH block, EOSL denied).')
param gatePolicyPath string = ''

@description('Path of continuouspatching.json in the deployed app (ACR_GUARD_PATCH_CONFIG_PATH); empty = continuous patching off.')
param patchConfigPath string = ''

@description('Continuous patching schedule, Nd with N from 1 to 30 (ACR_GUARD_PATCH_SCHEDULE).')
param patchSchedule string = '7d'

@description('Continuous scanning: which live images the daily rescan considers (ACR_GUARD_RESCAN_SELECTION): all tagged under the live prefix, or only those pulled recently (ACR resource logs).')
@allowed([
  'all'
  'pulled'
])
param rescanSelection string = 'all'

@description('Continuous scanning, selection "pulled": how many days back a pull counts (ACR_GUARD_RESCAN_PULLED_WITHIN_DAYS).')
@minValue(1)
@maxValue(365)
param rescanPulledWithinDays int = 30

@description('Log Analytics retention (days).')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

var abbrs = loadJsonContent('abbreviations.json')
var token = toLower(uniqueString(subscription().id, resourceGroup().id, namePrefix))
var tags = empty(environmentName) ? { application: 'acr-guard' } : { application: 'acr-guard', 'azd-env-name': environmentName }
var compactPrefix = toLower(replace(namePrefix, '-', ''))

var identityName = '${abbrs.managedIdentity}${namePrefix}-${token}'
var storageAccountName = take('${abbrs.storageAccount}${compactPrefix}${token}', 24)
var workspaceName = '${abbrs.logAnalyticsWorkspace}${namePrefix}-${token}'
var appInsightsName = '${abbrs.appInsights}${namePrefix}-${token}'
var planName = '${abbrs.appServicePlan}${namePrefix}-${token}'
var functionAppName = '${abbrs.functionApp}${namePrefix}-${token}'
var systemTopicName = '${abbrs.eventGridSystemTopic}${namePrefix}-registry-${token}'
var alertTopicName = '${abbrs.eventGridTopic}${namePrefix}-alerts-${token}'
var actionGroupName = '${abbrs.actionGroup}${namePrefix}-${token}'
var queryRuleName = '${abbrs.scheduledQueryRule}${namePrefix}-live-writes-${token}'
var createRegistry = empty(existingRegistryName)
var registryName = createRegistry ? take('${abbrs.containerRegistry}${compactPrefix}${token}', 50) : existingRegistryName
var registryResourceGroup = createRegistry || empty(existingRegistryResourceGroup) ? resourceGroup().name : existingRegistryResourceGroup
var webhookFromKeyVault = !empty(alertWebhookKeyVaultName) && !empty(alertWebhookSecretName)
// The app resolves this reference with its user-assigned identity (keyVaultReferenceIdentity).
var alertWebhookSetting = webhookFromKeyVault ? '@Microsoft.KeyVault(VaultName=${alertWebhookKeyVaultName};SecretName=${alertWebhookSecretName})' : ''
var emailReceivers = concat(alertEmailReceivers, empty(alertEmail) ? [] : [{ name: 'acr-guard', emailAddress: alertEmail }])

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: identityName
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    tags: tags
    workspaceName: workspaceName
    appInsightsName: appInsightsName
    retentionInDays: logRetentionInDays
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    location: location
    tags: tags
    storageAccountName: storageAccountName
  }
}

module newRegistry 'modules/registry.bicep' = if (createRegistry) {
  name: 'registry'
  params: {
    location: location
    tags: tags
    registryName: registryName
    roleAssignmentMode: registryRoleAssignmentMode
  }
}

// Everything that attaches to the registry itself lives in the registry's resource group (which may
// be another one than this): diagnostic settings, the delete lock, the app's registry roles.
module registryIntegration 'modules/registry-integration.bicep' = {
  name: 'registry-integration'
  scope: resourceGroup(registryResourceGroup)
  params: {
    registryName: registryName
    workspaceId: monitoring.outputs.workspaceId
    lockRegistry: lockRegistry
  }
  dependsOn: [
    newRegistry
  ]
}

module systemTopic 'modules/system-topic.bicep' = {
  name: 'system-topic'
  params: {
    tags: tags
    systemTopicName: systemTopicName
    registryId: registryIntegration.outputs.registryId
    registryLocation: registryIntegration.outputs.location
    storageAccountName: storage.outputs.storageAccountName
  }
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  params: {
    location: location
    tags: tags
    namePrefix: namePrefix
    token: token
    alertTopicName: alertTopicName
    actionGroupName: actionGroupName
    queryRuleName: queryRuleName
    workspaceId: monitoring.outputs.workspaceId
    appInsightsId: monitoring.outputs.appInsightsId
    systemTopicId: systemTopic.outputs.systemTopicId
    registryId: registryIntegration.outputs.registryId
    quarantinePrefix: quarantinePrefix
    livePrefix: livePrefix
    alertEmailReceivers: emailReceivers
  }
}

// What the code reads (shared/config/settings.ts settingsCatalog and the ACR_GUARD_STORAGE
// connection). One line per setting; test/infra/consistency.test.ts keeps this and the catalog equal.
var armEndpoint = environment().resourceManager
var appSettings = {
  ACR_GUARD_REGISTRY_LOGIN_SERVER: registryIntegration.outputs.loginServer
  ACR_GUARD_REGISTRY_RESOURCE_ID: registryIntegration.outputs.registryId
  ACR_GUARD_REGISTRY_ENDPOINT: 'https://${registryIntegration.outputs.loginServer}'
  // Task runs on ABAC registries carry the caller identity ([caller]); the same parameter decides the roles.
  ACR_GUARD_REGISTRY_ROLE_ASSIGNMENT_MODE: registryRoleAssignmentMode
  ACR_GUARD_ARM_ENDPOINT: endsWith(armEndpoint, '/') ? substring(armEndpoint, 0, max(0, length(armEndpoint) - 1)) : armEndpoint
  ACR_GUARD_QUARANTINE_PREFIX: quarantinePrefix
  ACR_GUARD_LIVE_PREFIX: livePrefix
  ACR_GUARD_OTHER_REPOSITORIES: otherRepositories
  // Scanner: Trivy inside an ACR Task run in the guarded registry.
  ACR_GUARD_TRIVY_IMAGE: trivyImage
  ACR_GUARD_TRIVY_DB_REPOSITORIES: trivyDbRepositories
  ACR_GUARD_SCAN_TIMEOUT_SECONDS: string(scanTimeoutSeconds)
  // Scan worker: the gate policy file (empty = built-in default).
  ACR_GUARD_GATE_POLICY_PATH: gatePolicyPath
  // Continuous patching (shared/patching): off until a config path is given.
  ACR_GUARD_PATCH_CONFIG_PATH: patchConfigPath
  ACR_GUARD_PATCH_SCHEDULE: patchSchedule
  ACR_GUARD_PATCH_RUNS_PER_MINUTE: '10'
  ACR_GUARD_PATCH_COPA_IMAGE: 'mcr.microsoft.com/acr/cssc:7260211'
  ACR_GUARD_PATCH_BUILDKIT_IMAGE: 'docker.io/moby/buildkit:v0.16.0'
  // Alerts: the app publishes CloudEvents to the custom topic with its identity (EventGrid Data Sender).
  ACR_GUARD_ALERT_TOPIC_ENDPOINT: alerts.outputs.alertTopicEndpoint
  // ACR_GUARD_ALERT_WEBHOOK_URL is set in function-app.bicep from a @secure() parameter: a secret
  // must not travel in this (plain) object, which is recorded with the nested deployment.
  ACR_GUARD_ALERT_WEBHOOK_FORMAT: alertWebhookFormat
  ACR_GUARD_ALERT_WEBHOOK_TIMEOUT_SECONDS: '10'
  // Quarantine gate: promotion, bypass locking (needs enableImageLocking for the role), reconciliation.
  ACR_GUARD_AUTO_PROMOTE: 'true'
  ACR_GUARD_LOCK_BYPASSED_IMAGES: string(enableImageLocking)
  ACR_GUARD_LOG_ANALYTICS_ENDPOINT: 'https://api.loganalytics.io'
  ACR_GUARD_RECONCILE_LOOKBACK_MINUTES: '1440'
  ACR_GUARD_RECONCILE_OVERLAP_MINUTES: '30'
  // Continuous scanning: selection, skips and the throttle of the rescan fan-out.
  ACR_GUARD_RESCAN_SELECTION: rescanSelection
  ACR_GUARD_RESCAN_PULLED_WITHIN_DAYS: string(rescanPulledWithinDays)
  ACR_GUARD_RESCAN_MIN_INTERVAL_HOURS: '12'
  ACR_GUARD_RESCAN_MAX_VERDICT_AGE_DAYS: '7'
  ACR_GUARD_RESCAN_PER_MINUTE: '30'
  // The app's queues and tables: identity-based connection named ACR_GUARD_STORAGE.
  ACR_GUARD_STORAGE__queueServiceUri: storage.outputs.queueEndpoint
  ACR_GUARD_STORAGE__tableServiceUri: storage.outputs.tableEndpoint
  ACR_GUARD_STORAGE__credential: 'managedidentity'
  ACR_GUARD_STORAGE__clientId: identity.properties.clientId
  // Event Grid dead letters: the replayDeadLetters timer reads them (shared/deadletter).
  ACR_GUARD_STORAGE__blobServiceUri: storage.outputs.blobEndpoint
  ACR_GUARD_DEAD_LETTER_CONTAINER: storage.outputs.deadLetterContainerName
  // Microsoft Entra ID in front of the HTTP endpoints, validated by the app itself as well (Flex
  // Consumption: infra/README.md). Empty = off (function keys only).
  ACR_GUARD_API_AUTH_TENANT_ID: empty(apiAuthClientId) ? '' : tenant().tenantId
  ACR_GUARD_API_AUTH_AUDIENCE: empty(apiAuthClientId) ? '' : 'api://${apiAuthClientId}'
}

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  params: {
    location: location
    tags: tags
    planName: planName
    functionAppName: functionAppName
    identityName: identity.name
    storageAccountName: storage.outputs.storageAccountName
    appInsightsName: monitoring.outputs.appInsightsName
    appSettings: appSettings
    alertWebhookUrl: webhookFromKeyVault ? alertWebhookSetting : alertWebhookUrl
    apiAuthClientId: apiAuthClientId
  }
}

module rbac 'modules/rbac.bicep' = {
  name: 'rbac'
  params: {
    identityName: identity.name
    storageAccountName: storage.outputs.storageAccountName
    appInsightsName: monitoring.outputs.appInsightsName
    alertTopicName: alerts.outputs.alertTopicName
  }
}

module registryAccess 'modules/registry-access.bicep' = {
  name: 'registry-access'
  scope: resourceGroup(registryResourceGroup)
  params: {
    registryName: registryName
    principalId: identity.properties.principalId
    identityId: identity.id
    quarantinePrefix: quarantinePrefix
    livePrefix: livePrefix
    registryRoleAssignmentMode: registryRoleAssignmentMode
    enableImageLocking: enableImageLocking
  }
  dependsOn: [
    registryIntegration
  ]
}

module webhookSecretAccess 'modules/key-vault-secret-access.bicep' = if (webhookFromKeyVault) {
  name: 'webhook-secret-access'
  scope: resourceGroup(empty(alertWebhookKeyVaultResourceGroup) ? resourceGroup().name : alertWebhookKeyVaultResourceGroup)
  params: {
    keyVaultName: alertWebhookKeyVaultName
    secretName: alertWebhookSecretName
    principalId: identity.properties.principalId
    identityId: identity.id
  }
}

module eventSubscription 'modules/event-subscription.bicep' = if (deployEventSubscription) {
  name: 'event-subscription'
  params: {
    systemTopicName: systemTopic.outputs.systemTopicName
    functionAppName: functionApp.outputs.functionAppName
    storageAccountName: storage.outputs.storageAccountName
    quarantinePrefix: quarantinePrefix
    livePrefix: livePrefix
    otherRepositories: otherRepositories
  }
  dependsOn: [
    rbac
    registryAccess
  ]
}

module aksImagePolicy 'modules/aks-image-policy.bicep' = if (assignAksImagePolicy) {
  name: 'aks-image-policy'
  params: {
    registryLoginServer: registryIntegration.outputs.loginServer
    livePrefix: livePrefix
  }
}

// UPPER_SNAKE outputs become azd environment values (the postdeploy hook reads them).
output FUNCTION_APP_NAME string = functionApp.outputs.functionAppName
output REGISTRY_LOGIN_SERVER string = registryIntegration.outputs.loginServer
output ALERT_TOPIC_ENDPOINT string = alerts.outputs.alertTopicEndpoint
output LOG_ANALYTICS_WORKSPACE_ID string = monitoring.outputs.workspaceId
output LOG_ANALYTICS_WORKSPACE_CUSTOMER_ID string = monitoring.outputs.workspaceCustomerId
output REGISTRY_RESOURCE_ID string = registryIntegration.outputs.registryId
output EVENT_GRID_SYSTEM_TOPIC_NAME string = systemTopic.outputs.systemTopicName
output REGISTRY_RESOURCE_GROUP string = registryResourceGroup
output STORAGE_ACCOUNT_NAME string = storage.outputs.storageAccountName
output MANAGED_IDENTITY_CLIENT_ID string = identity.properties.clientId
output ACR_GUARD_QUARANTINE_PREFIX string = quarantinePrefix
output ACR_GUARD_LIVE_PREFIX string = livePrefix
output ACR_GUARD_OTHER_REPOSITORIES string = otherRepositories
output TASK_RUNNER_ROLE_ID string = registryAccess.outputs.taskRunnerRoleDefinitionId
output ALERT_ACTION_GROUP_ID string = alerts.outputs.actionGroupId
// Read by the postdeploy hook, which prints it as a warning when nobody is notified.
output NOTIFICATIONS string = empty(emailReceivers)
  ? 'WARNING: no alert receivers (alertEmail / alertEmailReceivers are empty): the "guard is blind" and live-write alert rules fire but notify NOBODY. Set ACR_GUARD_ALERT_EMAIL and run azd provision.'
  : 'alert rules notify ${length(emailReceivers)} e-mail receiver(s) through ${actionGroupName}'
