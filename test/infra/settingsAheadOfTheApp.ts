import { STORAGE_CONNECTION } from '../../shared/config/storageConnection';

/**
 * Settings the infrastructure already provides for app features being built in parallel (issue 11);
 * the app's settings catalog does not read them yet. Each must leave this list as soon as the catalog
 * declares it (the test below fails until it does).
 */
export const SETTINGS_AHEAD_OF_THE_APP: Record<string, string> = {
    [`${STORAGE_CONNECTION}__blobServiceUri`]: 'dead-letter replay: blob endpoint of the app storage (identity-based, like the queue/table URIs)',
    ACR_GUARD_DEAD_LETTER_CONTAINER: 'dead-letter replay: container Event Grid dead-letters registry events into (modules/names.bicep deadLetterContainerName)',
};
