// Where alerts go: an Event Grid custom topic the app publishes to with its identity (anyone can
// subscribe: Logic Apps, Teams, SIEM), an action group with e-mail receivers (when any are given),
// a scheduled query rule on the workspace as a second line of defence against writes into live/,
// and the "the guard is blind" rules: failed function executions, messages parked in a poison queue,
// dead-lettered registry events, and a reconciler that has not run. Every rule notifies the action
// group; without receivers they notify nobody, which main.bicep's NOTIFICATIONS output says loudly.

param location string
param tags object
param alertTopicName string
param actionGroupName string
param queryRuleName string
param namePrefix string
param token string
param workspaceId string
@description('Application Insights component the function app logs its invocations and host messages to.')
param appInsightsId string
@description('The registry\'s Event Grid system topic (dead-letter metrics).')
param systemTopicId string
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
    // A brand-new workspace has no ContainerRegistryRepositoryEvents table until the registry logs its
    // first event: without this the rule would fail validation at deployment.
    skipQueryValidation: true
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
      actionGroups: notify
    }
  }
}

// --- The guard is blind ------------------------------------------------------------------------
// Each of these means events are being missed or not acted on. Application Insights tables of a new
// component are empty until the app logs: skipQueryValidation everywhere.

var notify = empty(alertEmailReceivers) ? [] : [actionGroup.id]
var intakeFunctionName = 'registryEventIntake'
var reconcilerFunctionName = 'reconcileLiveRepositories'

var blindRules = [
  {
    key: 'failed-executions'
    displayName: 'acr-guard: function executions failed'
    description: 'A function of acr-guard failed (after its retries a queue message is parked, an Event Grid delivery retried, a timer run lost). Look at the failures in Application Insights.'
    severity: 2
    query: 'requests\n| where success == false\n| project timestamp, name, resultCode, operation_Id'
    operator: 'GreaterThan'
    threshold: 0
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
  }
  {
    // The Functions host logs "Message has reached MaxDequeueCount of N. Moving message to queue
    // '<queue>-poison'." (queues extension; wording unverified on a live app). Messages the app parks
    // itself are matched by an "ACR_GUARD_PARKED " log line (shared/storage/parkedMessages.ts).
    key: 'poison-queue'
    displayName: 'acr-guard: message parked in a poison queue'
    description: 'A scan, rescan or patch request failed every attempt (or was invalid) and now sits in a <queue>-poison queue: that image is not being scanned or patched.'
    severity: 1
    query: 'traces\n| where (message has "MaxDequeueCount" and message has "-poison") or message startswith "ACR_GUARD_PARKED "\n| project timestamp, message, operation_Name'
    operator: 'GreaterThan'
    threshold: 0
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
  }
  {
    // Absence check: no successful reconciliation run in 30 minutes (it runs every 5 minutes).
    key: 'reconciler-not-run'
    displayName: 'acr-guard: the reconciler has not run'
    description: 'reconcileLiveRepositories has not completed for 30 minutes: writes into the live prefix that Event Grid did not deliver go unnoticed.'
    severity: 1
    query: 'requests\n| where name == "${reconcilerFunctionName}" and success == true\n| project timestamp'
    operator: 'LessThan'
    threshold: 1
    evaluationFrequency: 'PT15M'
    windowSize: 'PT30M'
  }
]

resource blindRule 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for rule in blindRules: {
    name: 'srq-${namePrefix}-${rule.key}-${token}'
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: rule.displayName
      description: rule.description
      severity: rule.severity
      enabled: true
      scopes: [
        appInsightsId
      ]
      evaluationFrequency: rule.evaluationFrequency
      windowSize: rule.windowSize
      autoMitigate: true
      skipQueryValidation: true
      criteria: {
        allOf: [
          {
            query: rule.query
            timeAggregation: 'Count'
            operator: rule.operator
            threshold: rule.threshold
            failingPeriods: {
              minFailingPeriodsToAlert: 1
              numberOfEvaluationPeriods: 1
            }
          }
        ]
      }
      actions: {
        actionGroups: notify
      }
    }
  }
]

// Event Grid gave up on a registry event (retries exhausted): it is in the dead-letter container and
// waits for the replay. Metric of the system topic, so it works even while the app is down.
resource deadLetterRule 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'ma-${namePrefix}-dead-letters-${token}'
  location: 'global'
  tags: tags
  properties: {
    description: 'acr-guard: registry events were dead-lettered (Event Grid could not deliver them to ${intakeFunctionName}). They wait in the dead-letter container for the replay; check the intake.'
    severity: 1
    enabled: true
    scopes: [
      systemTopicId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'dead-lettered'
          metricNamespace: 'Microsoft.EventGrid/systemTopics'
          metricName: 'DeadLetteredCount'
          timeAggregation: 'Total'
          operator: 'GreaterThan'
          threshold: 0
        }
      ]
    }
    actions: [
      for group in notify: {
        actionGroupId: group
      }
    ]
  }
}

output alertTopicName string = alertTopic.name
output actionGroupId string = empty(alertEmailReceivers) ? '' : actionGroup.id
output blindRuleNames array = [for (rule, i) in blindRules: blindRule[i].name]
output deadLetterRuleName string = deadLetterRule.name
output alertTopicEndpoint string = alertTopic.properties.endpoint
output queryRuleName string = liveWriteRule.name
