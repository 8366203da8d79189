#!/bin/sh
# azd postdeploy hook (stage 2): create the Event Grid subscription from the registry's system topic
# to the intake function. Event Grid validates an AzureFunction destination on creation, so this runs
# after `azd deploy` has published the code. Idempotent: re-running re-applies the same subscription.
# Values come from the azd environment (main.bicep outputs); azd exports them to hooks.
set -eu

for name in AZURE_RESOURCE_GROUP EVENT_GRID_SYSTEM_TOPIC_NAME FUNCTION_APP_NAME STORAGE_ACCOUNT_NAME \
    ACR_GUARD_QUARANTINE_PREFIX ACR_GUARD_LIVE_PREFIX ACR_GUARD_OTHER_REPOSITORIES; do
    eval "value=\${$name:-}"
    if [ -z "$value" ]; then
        echo "postdeploy: $name is not set; run 'azd provision' first" >&2
        exit 1
    fi
done

here=$(cd "$(dirname "$0")" && pwd)

echo "postdeploy: subscribing $FUNCTION_APP_NAME/registryEventIntake to $EVENT_GRID_SYSTEM_TOPIC_NAME"
az deployment group create \
    --name acr-guard-event-subscription \
    --resource-group "$AZURE_RESOURCE_GROUP" \
    --template-file "$here/../modules/event-subscription.bicep" \
    --parameters \
        systemTopicName="$EVENT_GRID_SYSTEM_TOPIC_NAME" \
        functionAppName="$FUNCTION_APP_NAME" \
        storageAccountName="$STORAGE_ACCOUNT_NAME" \
        quarantinePrefix="$ACR_GUARD_QUARANTINE_PREFIX" \
        livePrefix="$ACR_GUARD_LIVE_PREFIX" \
        otherRepositories="$ACR_GUARD_OTHER_REPOSITORIES" \
    --output none
echo "postdeploy: event subscription in place"
