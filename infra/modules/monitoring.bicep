// Log Analytics workspace (registry resource logs, app logs) and workspace-based Application
// Insights. Both with local (key) authentication disabled: ingestion and queries need Entra ID.

param location string
param tags object
param workspaceName string
param appInsightsName string

@description('Days the workspace keeps logs; the reconciliation timer reads recent registry logs only.')
@minValue(30)
@maxValue(730)
param retentionInDays int = 30

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-02-01' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
    features: {
      // Shared keys off: agents and queries authenticate with Entra ID.
      disableLocalAuth: true
      // Resource-context queries (queryResource on the registry id) are authorized by the caller's
      // read permission on the registry's logs, not on the whole workspace.
      enableLogAccessUsingOnlyResourcePermissions: true
    }
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    IngestionMode: 'LogAnalytics'
    // Telemetry only with an Entra token (APPLICATIONINSIGHTS_AUTHENTICATION_STRING), no ikey-only ingestion.
    DisableLocalAuth: true
  }
}

output workspaceId string = workspace.id
output workspaceName string = workspace.name
output workspaceCustomerId string = workspace.properties.customerId
output appInsightsName string = appInsights.name
output appInsightsId string = appInsights.id
output appInsightsConnectionString string = appInsights.properties.ConnectionString
