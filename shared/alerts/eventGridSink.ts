import type { TokenCredential } from '@azure/identity';
import { RestError } from '@azure/core-rest-pipeline';
import { EventGridPublisherClient, type EventGridPublisherClientOptions, type SendCloudEventInput } from '@azure/eventgrid';
import type { Alert } from './alert';
import { cloudEventType } from './alertKinds';
import { isRetryableStatus } from '../errors/retryable';
import { parseRetryAfter, SinkDeliveryError, type AlertSink } from './alertSink';
import { errorMessage } from '../errors/errorMessage';

/** The `data` of an alert CloudEvent: the alert minus its delivery bookkeeping. */
export interface AlertEventData {
    readonly alertId: string;
    readonly kind: string;
    readonly severity: string;
    readonly title: string;
    readonly message: string;
    readonly subject: Alert['subject'];
    readonly details: Alert['details'];
    readonly detectedBy: Alert['detectedBy'];
    readonly firstSeen: string;
    readonly dedupKey: string;
}

/**
 * The CloudEvent 1.0 for an alert. `id` is the alertId, so a subscriber can drop the duplicates
 * that at-least-once delivery (and our own redelivery) may produce. `source` names the registry,
 * `subject` the image, so Event Grid subscriptions can filter on subjectBeginsWith `live/`.
 */
export function alertCloudEvent(alert: Alert): SendCloudEventInput<AlertEventData> {
    return {
        type: cloudEventType(alert.kind),
        source: `/acr-guard/${alert.subject.registry}`,
        subject: `${alert.subject.repository}@${alert.subject.digest}`,
        id: alert.alertId,
        time: new Date(alert.firstSeen),
        datacontenttype: 'application/json',
        data: {
            alertId: alert.alertId,
            kind: alert.kind,
            severity: alert.severity,
            title: alert.title,
            message: alert.message,
            subject: alert.subject,
            details: alert.details,
            detectedBy: alert.detectedBy,
            firstSeen: alert.firstSeen,
            dedupKey: alert.dedupKey,
        },
    };
}

export interface EventGridSinkOptions {
    /** Topic endpoint, e.g. https://NAME.REGION-1.eventgrid.azure.net/api/events. */
    readonly endpoint: string;
    /** Managed identity in production; needs "EventGrid Data Sender" on the topic. */
    readonly credential: TokenCredential;
    /**
     * Passed to the SDK client. AlertService owns retries (so attempts are counted and recorded),
     * hence the SDK's own retries default to none here; tests pass tlsOptions for a local topic.
     */
    readonly clientOptions?: EventGridPublisherClientOptions;
}

/** Publishes each alert as one CloudEvent to an Event Grid custom topic (schema CloudEvent 1.0). */
export function createEventGridSink(options: EventGridSinkOptions): AlertSink {
    const client = new EventGridPublisherClient(options.endpoint, 'CloudEvent', options.credential, {
        retryOptions: { maxRetries: 0 },
        ...options.clientOptions,
    });
    return {
        name: 'eventgrid',
        deliver: async (alert) => {
            try {
                await client.send([alertCloudEvent(alert)]);
            } catch (err) {
                if (err instanceof RestError && err.statusCode !== undefined) {
                    const retryAfter = parseRetryAfter(err.response?.headers.get('retry-after'));
                    // 400/401/403/413 will not get better by retrying now; the row keeps them for redelivery after a fix.
                    throw new SinkDeliveryError(
                        `Event Grid topic answered HTTP ${err.statusCode}${err.code ? ` (${err.code})` : ''}`,
                        isRetryableStatus(err.statusCode),
                        retryAfter,
                    );
                }
                const reason = errorMessage(err);
                throw new SinkDeliveryError(`Event Grid publish failed: ${reason}`, true);
            }
        },
    };
}
