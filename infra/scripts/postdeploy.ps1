# azd postdeploy hook (stage 2), Windows variant of postdeploy.sh: create the Event Grid subscription
# from the registry's system topic to the intake function once the code is deployed. Retries only
# "Destination endpoint not found" (Flex Consumption syncs triggers after a deploy). Idempotent.
$ErrorActionPreference = 'Stop'

$attempts = if ($env:POSTDEPLOY_ATTEMPTS) { [int]$env:POSTDEPLOY_ATTEMPTS } else { 20 }
$waitSeconds = if ($env:POSTDEPLOY_WAIT_SECONDS) { [int]$env:POSTDEPLOY_WAIT_SECONDS } else { 30 }

function Fail([string]$message) {
    Write-Error "postdeploy: $message"
    exit 1
}

if (-not (Get-Command az -ErrorAction SilentlyContinue)) { Fail 'the Azure CLI (az) is not installed; see https://aka.ms/azure-cli' }
az account show --output none 2>$null
if ($LASTEXITCODE -ne 0) { Fail "the Azure CLI is not signed in; run 'az login' (the same account as azd)" }
az bicep version 2>$null | Out-Null
if ($LASTEXITCODE -ne 0) { Fail "the Azure CLI cannot compile Bicep; run 'az bicep install'" }

$required = @(
    'AZURE_RESOURCE_GROUP', 'EVENT_GRID_SYSTEM_TOPIC_NAME', 'FUNCTION_APP_NAME', 'STORAGE_ACCOUNT_NAME',
    'ACR_GUARD_QUARANTINE_PREFIX', 'ACR_GUARD_LIVE_PREFIX', 'ACR_GUARD_OTHER_REPOSITORIES'
)
foreach ($name in $required) {
    if ([string]::IsNullOrWhiteSpace([Environment]::GetEnvironmentVariable($name))) {
        Fail "$name is not set; run 'azd provision' first (it is an output of infra/main.bicep)"
    }
}

if ("$($env:NOTIFICATIONS)".StartsWith('WARNING')) {
    Write-Warning '****************************************************************************'
    Write-Warning "postdeploy: $($env:NOTIFICATIONS)"
    Write-Warning '****************************************************************************'
}

$template = Join-Path $PSScriptRoot '..' 'modules' 'event-subscription.bicep'
Write-Host "postdeploy: subscribing $($env:FUNCTION_APP_NAME)/registryEventIntake to $($env:EVENT_GRID_SYSTEM_TOPIC_NAME)"
for ($attempt = 1; ; $attempt++) {
    $output = az deployment group create `
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
        --output none 2>&1 | Out-String
    if ($LASTEXITCODE -eq 0) { break }
    if ($output -notmatch '(?i)destination endpoint not found') {
        Write-Host $output
        Fail 'creating the event subscription failed (see above; not the trigger-sync delay, so not retried)'
    }
    if ($attempt -ge $attempts) {
        Write-Host $output
        Fail "registryEventIntake still not found after $attempts attempts: check that 'azd deploy' published the app and re-run 'azd hooks run postdeploy'"
    }
    Write-Host "postdeploy: the intake function is not visible yet (Flex Consumption syncs triggers after a deploy); attempt $attempt/$attempts, retrying in ${waitSeconds}s"
    Start-Sleep -Seconds $waitSeconds
}
Write-Host 'postdeploy: event subscription in place'
