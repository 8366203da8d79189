import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Real ACR event samples (Microsoft Learn, ../shared/fixtures/eventgrid/azure-docs; PROVENANCE.md there). */
export const eventSample = (name: 'docs-2018-image-pushed.eventgrid.json' | 'docs-2021-image-pushed.cloudevents.json' | 'docs-2018-image-deleted.eventgrid.json') =>
    (JSON.parse(readFileSync(resolve(__dirname, '../../../shared/fixtures/eventgrid/azure-docs', name), 'utf8')) as Record<string, unknown>[])[0]!;

/**
 * An event as Event Grid dead-letters it: the published event plus the documented dead-letter
 * metadata (Microsoft Learn, "Event Grid message delivery and retry", dead-letter events); lower-case
 * names for the CloudEvents schema, where they are extension attributes.
 */
export function deadLettered(event: Record<string, unknown>, schema: 'eventgrid' | 'cloudevents' = 'eventgrid'): Record<string, unknown> {
    const metadata = {
        deadLetterReason: 'MaxDeliveryAttemptsExceeded',
        deliveryAttempts: 30,
        lastDeliveryOutcome: 'TimedOut',
        lastHttpStatusCode: 408,
        publishTime: '2026-01-02T03:04:05.0265758Z',
        lastDeliveryAttemptTime: '2026-01-03T03:04:05.0465788Z',
    };
    return { ...event, ...(schema === 'eventgrid' ? metadata : Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k.toLowerCase(), v]))) };
}
