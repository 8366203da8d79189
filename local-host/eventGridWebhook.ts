import type { IncomingMessage, ServerResponse } from 'node:http';
import { header, keyMatches, presentedKey, readBody, send, sendJson, sendText } from './httpUtil';
import type { HostLogger } from './logs';
import type { RegisteredFunction } from './registry';
import type { FunctionRunner } from './runtime';

/**
 * `/runtime/webhooks/eventgrid?functionName=NAME`, answering like the Event Grid extension
 * (Azure/azure-sdk-for-net `Microsoft.Azure.WebJobs.Extensions.EventGrid`, `HttpRequestProcessor`
 * and `EventGridExtensionConfigProvider`):
 * - unknown function → 404; OPTIONS (CloudEvents abuse protection) → 200 + `WebHook-Allowed-Origin`;
 * - `aeg-event-type: SubscriptionValidation` → 200 `{"validationResponse": code}`;
 * - `Notification` (or, leniently, a CloudEvents body without the header) → each event of the
 *   array is one invocation, all dispatched together as the extension does; 202 when all
 *   succeeded, 500 with the first error otherwise (Event Grid retries, then dead-letters);
 * - `Unsubscribe` → 202; anything else, or a body that is not JSON, → 400.
 */
export interface EventGridOptions {
    /** When set, callers must present it (`code` / `x-functions-key`), like the `eventgrid_extension` system key. */
    readonly systemKey?: string;
    readonly log: HostLogger;
}

const KNOWN_ORIGINS = ['eventgrid.azure.net', 'eventgrid.azure.us', 'eventgrid.azure.eaglex.ic.gov', 'eventgrid.azure.microsoft.scloud', 'eventgrid.azure.cn'];

function isCloudEvents(req: IncomingMessage, parsed: unknown): boolean {
    if (/^application\/cloudevents(-batch)?\+json/i.test(header(req, 'content-type') ?? '')) return true;
    const first: unknown = Array.isArray(parsed) ? parsed[0] : parsed;
    return typeof first === 'object' && first !== null && 'specversion' in first;
}

function validationCode(parsed: unknown): string | undefined {
    const first: unknown = Array.isArray(parsed) ? parsed[0] : parsed;
    if (typeof first !== 'object' || first === null) return undefined;
    let data: unknown = (first as { data?: unknown }).data;
    // CloudEvents validation events carry data double-encoded as a JSON string.
    if (typeof data === 'string') {
        try {
            data = JSON.parse(data);
        } catch {
            return undefined;
        }
    }
    const code = typeof data === 'object' && data !== null ? (data as { validationCode?: unknown }).validationCode : undefined;
    return typeof code === 'string' ? code : undefined;
}

export class EventGridWebhook {
    readonly #functions = new Map<string, RegisteredFunction>();

    constructor(
        functions: readonly RegisteredFunction[],
        private readonly runner: FunctionRunner,
        private readonly options: EventGridOptions,
    ) {
        for (const f of functions) if (f.triggerType === 'eventGridTrigger') this.#functions.set(f.name.toLowerCase(), f);
    }

    async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
        const name = url.searchParams.get('functionName') ?? '';
        const fn = this.#functions.get(name.toLowerCase());
        if (!fn) {
            sendText(res, 404, `cannot find function: '${name}'`);
            return;
        }
        if (this.options.systemKey && !keyMatches(presentedKey(req, url), this.options.systemKey)) {
            send(res, 401);
            return;
        }
        const method = (req.method ?? '').toUpperCase();
        if (method === 'OPTIONS') {
            const origin = header(req, 'webhook-request-origin');
            const headers: Record<string, string> = {
                'WebHook-Allowed-Origin': origin && KNOWN_ORIGINS.includes(origin.toLowerCase()) ? origin : 'eventgrid.azure.net',
            };
            if (header(req, 'webhook-request-rate') !== undefined) headers['WebHook-Allowed-Rate'] = '*';
            send(res, 200, '', headers);
            return;
        }
        if (method !== 'POST') {
            send(res, 405, '', { Allow: 'POST, OPTIONS' });
            return;
        }
        const text = (await readBody(req)).toString('utf8');
        let parsed: unknown;
        try {
            parsed = JSON.parse(text);
        } catch (err) {
            this.options.log({ level: 'warning', category: 'host', functionName: fn.name, message: `Event Grid request body is not JSON: ${(err as Error).message}` });
            sendText(res, 400, `The request body is not JSON: ${(err as Error).message}`);
            return;
        }
        const eventType = (header(req, 'aeg-event-type') ?? '').toLowerCase();
        if (eventType === 'subscriptionvalidation') {
            const code = validationCode(parsed);
            if (!code) {
                sendText(res, 400, 'The subscription validation event has no data.validationCode.');
                return;
            }
            this.options.log({ level: 'information', category: 'host', functionName: fn.name, message: `perform handshake with eventGrid for function: ${fn.name}` });
            sendJson(res, 200, { validationResponse: code });
            return;
        }
        if (eventType === 'unsubscribe') {
            send(res, 202);
            return;
        }
        if (eventType !== 'notification' && !(eventType === '' && isCloudEvents(req, parsed))) {
            sendText(res, 400, 'Missing or unknown aeg-event-type header (expected SubscriptionValidation, Notification or Unsubscribe).');
            return;
        }
        if (typeof parsed !== 'object' || parsed === null) {
            sendText(res, 400, 'The request content should be a JSON object or array.');
            return;
        }
        await this.deliver(fn, Array.isArray(parsed) ? parsed : [parsed], res);
    }

    private async deliver(fn: RegisteredFunction, events: unknown[], res: ServerResponse): Promise<void> {
        const results = await Promise.allSettled(
            events.map((event) =>
                this.runner.run(fn, { triggerData: { json: JSON.stringify(event) }, triggerMetadata: {}, reason: 'EventGrid trigger fired' }),
            ),
        );
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) {
            const reason: unknown = failed.reason;
            const cause = reason instanceof Error && 'cause' in reason ? reason.cause : reason;
            sendText(res, 500, cause instanceof Error ? cause.message : String(cause));
            return;
        }
        send(res, 202);
    }
}
