// Where bypass alerts go: an Event Grid custom topic the app publishes to with its identity (anyone
// can subscribe: Logic Apps, Teams, SIEM), optionally an action group with e-mail receivers, and a
// scheduled query rule on the workspace as a second line of defence.

param location string
param tags object
param alertTopicName string
param actionGroupName string
param queryRuleName string
param workspaceId string
param registryId string
param quarantinePrefix string
param livePrefix string

@description('E-mail receivers of the action group: [{ name: string, emailAddress: string }]. Empty: no action group.')
param alertEmailReceivers array = []

resource alertTopic 'Microsoft.EventGrid/topics@2025-02-15' = {
  name: alertTopicName
  location: location
  tags: tags
  properties: {
    inputSchema: 'CloudEventSchemaV1_0'
    // Publishers authenticate with Entra ID (EventGrid Data Sender), never with topic keys.
    disableLocalAuth: true
    minimumTlsVersionAllowed: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmailReceivers)) {
  name: actionGroupName
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'acrguard'
    enabled: true
    emailReceivers: [
      for receiver in alertEmailReceivers: {
        name: receiver.name
        emailAddress: receiver.emailAddress
        useCommonAlertSchema: true
      }
    ]
  }
}

// Pushes and imports into the live prefix that are not promotions from this registry's quarantine
// prefix. A promotion is an importImage whose MediaType names this registry's quarantine repository
// (the aks-baseline-regulated heuristic). If ACR also logs a Push row for the target of an import
// (unverified), that row has the digest of a legitimate import into the same repository: the
// leftanti join drops it, so legitimate promotions do not fire. Everything else fires, per
// repository and digest (stateful: one alert per image until resolved).
var query = join(
  [
    'let registryId = \'${toLower(registryId)}\';'
    'let events = ContainerRegistryRepositoryEvents'
    '| where tolower(_ResourceId) == registryId and Repository startswith \'${livePrefix}\';'
    'let promotions = events'
    '| where OperationName =~ \'importImage\' and MediaType startswith strcat(registryId, \'/${quarantinePrefix}\')'
    '| distinct Repository, Digest;'
    'events'
    '| where OperationName =~ \'Push\' or OperationName =~ \'importImage\''
    '| join kind=leftanti promotions on Repository, Digest'
    '| project TimeGenerated, OperationName, Repository, Tag, Digest, MediaType, Identity, CallerIpAddress'
  ],
  '\n'
)

resource liveWriteRule 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: queryRuleName
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'acr-guard: image written to ${livePrefix} without promotion from ${quarantinePrefix}'
    description: 'Second line of defence behind the acr-guard Event Grid intake: a push or import into ${livePrefix} that is not an importImage from this registry\'s ${quarantinePrefix}.'
    severity: 1
    enabled: true
    scopes: [
      workspaceId
    ]
    evaluationFrequency: 'PT5M'
    // Longer than the frequency: resource logs arrive minutes late.
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: query
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          dimensions: [
            {
              name: 'Repository'
              operator: 'Include'
              values: [
                '*'
              ]
            }
            {
              name: 'Digest'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          failingPeriods: {
            minFailingPeriodsToAlert: 1
            numberOfEvaluationPeriods: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: empty(alertEmailReceivers) ? [] : [actionGroup.id]
    }
  }
}

output alertTopicName string = alertTopic.name
output alertTopicEndpoint string = alertTopic.properties.endpoint
output queryRuleName string = liveWriteRule.name
