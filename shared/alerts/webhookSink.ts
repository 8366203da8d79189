import type { AlertSink } from './alertSink';
import { isRetryableStatus } from '../errors/retryable';
import { parseRetryAfter, SinkDeliveryError } from './alertSink';
import { webhookFormatFor, webhookPayload, type WebhookFormatSetting } from './webhookPayloads';
import { redactUrl } from '../validation/webhookUrl';

export interface WebhookSinkOptions {
    /** A secret (Slack/Teams put the credential in the path): never logged, never in an error. */
    readonly url: string;
    readonly format: WebhookFormatSetting;
    readonly timeoutMs: number;
}

/**
 * POSTs each alert as JSON to a Slack or Teams incoming webhook. One HTTP attempt per deliver():
 * AlertService retries (429 and 5xx are retryable, honouring Retry-After; other 4xx are not),
 * so every attempt is counted on the alert row.
 */
export function createWebhookSink(options: WebhookSinkOptions): AlertSink {
    const format = webhookFormatFor(options.url, options.format);
    const target = new URL(options.url).host;
    return {
        name: 'webhook',
        deliver: async (alert) => {
            let response: Response;
            try {
                response = await fetch(options.url, {
                    method: 'POST',
                    headers: { 'content-type': 'application/json' },
                    body: JSON.stringify(webhookPayload(alert, format)),
                    signal: AbortSignal.timeout(options.timeoutMs),
                    redirect: 'error',
                });
            } catch (err) {
                throw new SinkDeliveryError(`${format} webhook at ${target}: ${describeFetchError(err, options.url)}`, true);
            }
            // Drain the body so the connection is reusable; keep a little of it for the error.
            const body = await response.text().catch(() => '');
            if (response.ok) return;
            const snippet = redactUrl(body.slice(0, 200).replace(/\s+/g, ' ').trim(), options.url);
            throw new SinkDeliveryError(
                `${format} webhook at ${target} answered HTTP ${response.status}${snippet ? `: ${snippet}` : ''}`,
                isRetryableStatus(response.status),
                parseRetryAfter(response.headers.get('retry-after')),
            );
        },
    };
}

/** fetch's errors say "fetch failed" and hide the reason in `cause`; neither must leak the URL. */
function describeFetchError(err: unknown, url: string): string {
    if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'timed out';
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause : undefined;
    const code = cause && 'code' in cause ? String((cause as { code: unknown }).code) : undefined;
    const text = code ?? (cause ?? (err instanceof Error ? err : undefined))?.message ?? String(err);
    return redactUrl(text, url);
}
