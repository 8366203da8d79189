/** The ACR event types acr-guard subscribes to (infra/ filters on exactly these; a test checks). */
export const ACR_EVENT_TYPES = [
    'Microsoft.ContainerRegistry.ImagePushed',
    'Microsoft.ContainerRegistry.ImageDeleted',
    'Microsoft.ContainerRegistry.ChartPushed',
    'Microsoft.ContainerRegistry.ChartDeleted',
] as const;

export type AcrEventType = (typeof ACR_EVENT_TYPES)[number];
