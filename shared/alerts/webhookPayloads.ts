import type { Alert } from './alert';

export type WebhookFormat = 'slack' | 'teams';
export type WebhookFormatSetting = WebhookFormat | 'auto';

/**
 * Picks the payload shape. `auto` decides by the URL host: Slack incoming webhooks live on
 * hooks.slack.com; Teams incoming webhooks (Office 365 connectors) on *.webhook.office.com
 * (older: outlook.office.com), Teams Workflows ("Post to a channel when a webhook request is
 * received") on *.logic.azure.com or *.powerplatform.com. Anything else gets the Slack shape,
 * whose `text` field is what most Slack-compatible receivers (Mattermost, Rocket.Chat) read.
 */
export function webhookFormatFor(url: string, setting: WebhookFormatSetting): WebhookFormat {
    if (setting !== 'auto') return setting;
    const host = new URL(url).hostname.toLowerCase();
    const teamsHosts = ['webhook.office.com', 'outlook.office.com', 'logic.azure.com', 'powerplatform.com'];
    if (teamsHosts.some((h) => host === h || host.endsWith(`.${h}`))) return 'teams';
    return 'slack';
}

interface Fact {
    readonly title: string;
    readonly value: string;
}

/** The facts shown in both chat formats, in order. Empty values are left out. */
export function alertFacts(alert: Alert): Fact[] {
    const d = alert.details;
    const facts: [string, string | null | undefined][] = [
        ['Severity', alert.severity],
        ['Kind', alert.kind],
        ['Registry', alert.subject.registry],
        ['Repository', alert.subject.repository],
        ['Tag', alert.subject.tag],
        ['Digest', alert.subject.digest],
        ['Actor', d.actor],
        ['User agent', d.userAgent],
        ['Request host', d.requestHost],
        ['Time', d.time ?? alert.firstSeen],
        ['Operation', d.operation],
        ['Detected by', alert.detectedBy.join(', ')],
        ['Alert id', alert.alertId],
    ];
    return facts.filter((f): f is [string, string] => typeof f[1] === 'string' && f[1] !== '').map(([title, value]) => ({ title, value }));
}

/** Slack mrkdwn control characters (https://api.slack.com/reference/surfaces/formatting#escaping). */
const slackEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Slack Block Kit limits: header text 150 chars, section text 3000, field text 2000, 10 fields per section. */
const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/**
 * Slack incoming webhook body: `text` (notification and fallback) plus `blocks`
 * (https://api.slack.com/messaging/webhooks). Values are escaped so an actor or user agent
 * cannot ping `<!channel>` or forge a link.
 */
export function slackPayload(alert: Alert): Record<string, unknown> {
    const fields = alertFacts(alert).map((f) => ({ type: 'mrkdwn', text: clip(`*${f.title}*\n${slackEscape(f.value)}`, 2000) }));
    const sections = [];
    for (let i = 0; i < fields.length; i += 10) sections.push({ type: 'section', fields: fields.slice(i, i + 10) });
    return {
        text: slackEscape(`[${alert.severity.toUpperCase()}] ${alert.title}`),
        blocks: [
            { type: 'header', text: { type: 'plain_text', text: clip(`[${alert.severity.toUpperCase()}] ${alert.title}`, 150) } },
            { type: 'section', text: { type: 'mrkdwn', text: clip(slackEscape(alert.message), 3000) } },
            ...sections,
            { type: 'context', elements: [{ type: 'mrkdwn', text: clip(slackEscape(`acr-guard alert ${alert.alertId}`), 2000) }] },
        ],
    };
}

/** Adaptive Card TextBlocks render markdown: escape what could bold, italicize or make a link. */
const cardEscape = (s: string) => s.replace(/([\\*_[\]()`])/g, '\\$1');

const teamsColor: Record<string, string> = { critical: 'Attention', high: 'Attention', medium: 'Warning', low: 'Default', info: 'Default' };

/**
 * Teams body: a `message` with one Adaptive Card attachment (version 1.4). Both Teams incoming
 * webhooks (connectors) and Teams Workflows webhook triggers accept this envelope
 * (https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using).
 */
export function teamsPayload(alert: Alert): Record<string, unknown> {
    return {
        type: 'message',
        attachments: [
            {
                contentType: 'application/vnd.microsoft.card.adaptive',
                contentUrl: null,
                content: {
                    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
                    type: 'AdaptiveCard',
                    version: '1.4',
                    body: [
                        {
                            type: 'TextBlock',
                            text: cardEscape(`[${alert.severity.toUpperCase()}] ${alert.title}`),
                            weight: 'Bolder',
                            size: 'Medium',
                            color: teamsColor[alert.severity] ?? 'Default',
                            wrap: true,
                        },
                        { type: 'TextBlock', text: cardEscape(alert.message), wrap: true },
                        { type: 'FactSet', facts: alertFacts(alert).map((f) => ({ title: f.title, value: cardEscape(f.value) })) },
                    ],
                },
            },
        ],
    };
}

export function webhookPayload(alert: Alert, format: WebhookFormat): Record<string, unknown> {
    return format === 'teams' ? teamsPayload(alert) : slackPayload(alert);
}
