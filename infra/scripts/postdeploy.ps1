# azd postdeploy hook (stage 2), Windows variant of postdeploy.sh: create the Event Grid subscription
# from the registry's system topic to the intake function once the code is deployed. Idempotent.
$ErrorActionPreference = 'Stop'

$required = @(
    'AZURE_RESOURCE_GROUP', 'EVENT_GRID_SYSTEM_TOPIC_NAME', 'FUNCTION_APP_NAME', 'STORAGE_ACCOUNT_NAME',
    'ACR_GUARD_QUARANTINE_PREFIX', 'ACR_GUARD_LIVE_PREFIX', 'ACR_GUARD_OTHER_REPOSITORIES'
)
foreach ($name in $required) {
    if ([string]::IsNullOrWhiteSpace([Environment]::GetEnvironmentVariable($name))) {
        Write-Error "postdeploy: $name is not set; run 'azd provision' first"
        exit 1
    }
}

$template = Join-Path $PSScriptRoot '..' 'modules' 'event-subscription.bicep'
Write-Host "postdeploy: subscribing $($env:FUNCTION_APP_NAME)/registryEventIntake to $($env:EVENT_GRID_SYSTEM_TOPIC_NAME)"
az deployment group create `
    --name acr-guard-event-subscription `
    --resource-group $env:AZURE_RESOURCE_GROUP `
    --template-file $template `
    --parameters `
        "systemTopicName=$($env:EVENT_GRID_SYSTEM_TOPIC_NAME)" `
        "functionAppName=$($env:FUNCTION_APP_NAME)" `
        "storageAccountName=$($env:STORAGE_ACCOUNT_NAME)" `
        "quarantinePrefix=$($env:ACR_GUARD_QUARANTINE_PREFIX)" `
        "livePrefix=$($env:ACR_GUARD_LIVE_PREFIX)" `
        "otherRepositories=$($env:ACR_GUARD_OTHER_REPOSITORIES)" `
    --output none
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
Write-Host 'postdeploy: event subscription in place'
