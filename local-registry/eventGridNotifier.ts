import {
    createDefaultHttpClient,
    createEmptyPipeline,
    createHttpHeaders,
    createPipelineRequest,
    defaultRetryPolicy,
    type HttpClient,
    type Pipeline,
} from '@azure/core-rest-pipeline';

export interface EventGridNotifierOptions {
    /** The subscriber's webhook, e.g. http://localhost:7071/runtime/webhooks/eventgrid?functionName=registryEventIntake */
    readonly url: string;
    /** Retries after the first attempt (Event Grid retries for up to 24 h; locally a few suffice). Default 4. */
    readonly maxRetries?: number;
    /** First retry delay; it doubles each time (default 1000 ms). */
    readonly retryDelayMs?: number;
    readonly log?: (line: string) => void;
}

export interface Delivery {
    readonly eventId: string;
    readonly eventType: string;
    readonly status: number | 'error';
    readonly delivered: boolean;
}

/**
 * Delivers registry events to an Event Grid subscriber's webhook as Event Grid does: a POST of a
 * JSON array of events in the Event Grid schema, header `aeg-event-type: Notification`, one event
 * per request, in order. Failed attempts are retried with exponential back-off by
 * @azure/core-rest-pipeline's default retry policy (408, 429 with Retry-After, 5xx other than
 * 501/505, and network errors; like Event Grid, 400/403/404/413 are not retried). An event that
 * is still not delivered is logged with its id and status, never silently dropped.
 */
export class EventGridNotifier {
    readonly deliveries: Delivery[] = [];
    private readonly pipeline: Pipeline;
    private readonly client: HttpClient = createDefaultHttpClient();
    private queue: Promise<void> = Promise.resolve();

    constructor(private readonly options: EventGridNotifierOptions) {
        this.pipeline = createEmptyPipeline();
        this.pipeline.addPolicy(defaultRetryPolicy({ maxRetries: options.maxRetries ?? 4, retryDelayInMs: options.retryDelayMs ?? 1000, maxRetryDelayInMs: 30_000 }));
    }

    /** Queues the events; they are sent one by one after everything queued before. */
    send(events: readonly unknown[]): void {
        for (const event of events) this.queue = this.queue.then(() => this.deliver(event));
    }

    /** Resolves when everything queued so far has been delivered or given up. */
    idle(): Promise<void> {
        return this.queue;
    }

    private async deliver(event: unknown): Promise<void> {
        const { id, eventType } = event as { id: string; eventType: string };
        let status: number | 'error' = 'error';
        let reason = '';
        try {
            const response = await this.pipeline.sendRequest(
                this.client,
                createPipelineRequest({
                    url: this.options.url,
                    method: 'POST',
                    headers: createHttpHeaders({ 'content-type': 'application/json', 'aeg-event-type': 'Notification' }),
                    body: JSON.stringify([event]),
                    timeout: 30_000,
                    // Subscribers on this machine (the Functions host on http://localhost:7071) are plain HTTP.
                    allowInsecureConnection: true,
                }),
            );
            status = response.status;
            reason = response.status >= 300 ? `HTTP ${response.status} ${response.bodyAsText?.slice(0, 200) ?? ''}` : '';
        } catch (err) {
            reason = err instanceof Error ? err.message : String(err);
        }
        const delivered = typeof status === 'number' && status >= 200 && status < 300;
        this.deliveries.push({ eventId: id, eventType, status, delivered });
        if (!delivered) this.options.log?.(`local-registry: event ${id} (${eventType}) was not delivered to ${this.options.url} after retries: ${reason}`);
    }
}
