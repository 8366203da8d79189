// The alert subsystem's public surface (the gate, the scan worker and functions/ import from here).
export * from './alert';
export { DEFAULT_SEVERITY, FALLBACK_SEVERITY, defaultSeverity, cloudEventType } from './alertKinds';
export { AlertInputError, alertIdOf, dedupKeyOf, type AlertInput } from './alertInput';
export { SinkDeliveryError, type AlertSink } from './alertSink';
export {
    AlertService,
    DEFAULT_LEASE_MS,
    type AlertServiceLog,
    type AlertServiceOptions,
    type RaiseResult,
    type RedeliveryReport,
    type SinkHandoff,
} from './alertService';
export { AlertStore, type AlertQuery } from './alertStore';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './deliveryRetry';
export { alertCloudEvent, createEventGridSink, type AlertEventData, type EventGridSinkOptions } from './eventGridSink';
export { ALERT_LOG_PREFIX, alertLogLine, createLogSink, type LogWriter } from './logSink';
export { createWebhookSink, type WebhookSinkOptions } from './webhookSink';
export { slackPayload, teamsPayload, webhookFormatFor, type WebhookFormat, type WebhookFormatSetting } from './webhookPayloads';
export { createAlertService, createAlertSinks, type AlertServiceDeps, type AlertSettings } from './createAlertService';
