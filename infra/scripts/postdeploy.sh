#!/bin/sh
# azd postdeploy hook (stage 2): create the Event Grid subscription from the registry's system topic
# to the intake function. Event Grid validates an AzureFunction destination on creation, so this runs
# after `azd deploy` has published the code; on Flex Consumption the function appears only once the
# platform has synced the app's triggers, which can take minutes after the deploy returns. Until then
# ARM answers "Destination endpoint not found": that answer (and only that one) is retried.
# Idempotent: re-running re-applies the same subscription.
# Values come from the azd environment (main.bicep outputs); azd exports them to hooks.
set -eu

attempts=${POSTDEPLOY_ATTEMPTS:-20}
wait_seconds=${POSTDEPLOY_WAIT_SECONDS:-30}

fail() {
    echo "postdeploy: $*" >&2
    exit 1
}

# --- Prerequisites, each with what to do about it ------------------------------------------------
command -v az >/dev/null 2>&1 || fail "the Azure CLI (az) is not installed; see https://aka.ms/azure-cli"
az account show --output none >/dev/null 2>&1 || fail "the Azure CLI is not signed in; run 'az login' (the same account as azd)"
az bicep version >/dev/null 2>&1 || fail "the Azure CLI cannot compile Bicep; run 'az bicep install'"
for name in AZURE_RESOURCE_GROUP EVENT_GRID_SYSTEM_TOPIC_NAME FUNCTION_APP_NAME STORAGE_ACCOUNT_NAME \
    ACR_GUARD_QUARANTINE_PREFIX ACR_GUARD_LIVE_PREFIX ACR_GUARD_OTHER_REPOSITORIES; do
    eval "value=\${$name:-}"
    [ -n "$value" ] || fail "$name is not set; run 'azd provision' first (it is an output of infra/main.bicep)"
done

case "${NOTIFICATIONS:-}" in
    WARNING*)
        echo "" >&2
        echo "postdeploy: ****************************************************************************" >&2
        echo "postdeploy: $NOTIFICATIONS" >&2
        echo "postdeploy: ****************************************************************************" >&2
        echo "" >&2
        ;;
esac

here=$(cd "$(dirname "$0")" && pwd)

echo "postdeploy: subscribing $FUNCTION_APP_NAME/registryEventIntake to $EVENT_GRID_SYSTEM_TOPIC_NAME"
attempt=1
while :; do
    if output=$(az deployment group create \
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
        --output none 2>&1); then
        break
    fi
    if ! printf '%s' "$output" | grep -qi 'destination endpoint not found'; then
        printf '%s\n' "$output" >&2
        fail "creating the event subscription failed (see above; not the trigger-sync delay, so not retried)"
    fi
    if [ "$attempt" -ge "$attempts" ]; then
        printf '%s\n' "$output" >&2
        fail "registryEventIntake still not found after $attempts attempts: check that 'azd deploy' published the app (az functionapp function list -g $AZURE_RESOURCE_GROUP -n $FUNCTION_APP_NAME) and re-run 'azd hooks run postdeploy'"
    fi
    echo "postdeploy: the intake function is not visible yet (Flex Consumption syncs triggers after a deploy); attempt $attempt/$attempts, retrying in ${wait_seconds}s"
    attempt=$((attempt + 1))
    sleep "$wait_seconds"
done
echo "postdeploy: event subscription in place"
