import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AlertInput } from '../../shared/alerts/alertInput';
import { webhookFormatFor } from '../../shared/alerts/webhookPayloads';
import { alertSettings, DIGEST_A, harness, uniqueTableName } from './helpers/alertHarness';
import { startRecordingServer, type RecordingServer } from './helpers/recordingServer';

const SECRET = 'XoXbSeCrEt42';

// An actor that tries Slack mention/link injection and markdown links, as an event could carry.
const bypass: AlertInput = {
    kind: 'quarantine-bypass',
    detectedBy: 'event',
    subject: { registry: 'contoso.azurecr.io', repository: 'live/app', tag: '1.0', digest: DIGEST_A },
    details: { actor: '<!channel> [click](https://evil.example)', userAgent: 'docker/24.0.7', requestHost: 'contoso.azurecr.io', time: '2025-05-01T10:00:00.000Z' },
    observedAt: new Date('2025-05-01T10:00:02.000Z'),
};

let hook: RecordingServer;
beforeAll(async () => {
    hook = await startRecordingServer();
});
afterAll(async () => {
    await hook.close();
});
beforeEach(() => {
    hook.requests.length = 0;
    hook.fallback = { status: 200, body: 'ok' };
});

const settingsFor = (format: 'slack' | 'teams') =>
    alertSettings({ alertWebhookUrl: `${hook.origin}/services/T000/B000/${SECRET}`, alertWebhookFormat: format });

describe('webhook sink payloads', () => {
    it('posts a Slack incoming-webhook body: escaped text plus Block Kit blocks', async () => {
        const h = await harness(settingsFor('slack'), uniqueTableName());
        const { alert } = await h.service.raise(bypass);
        expect(hook.requests).toHaveLength(1);
        const req = hook.requests[0]!;
        expect(req.url).toBe(`/services/T000/B000/${SECRET}`);
        expect(req.headers['content-type']).toBe('application/json');
        const body = JSON.parse(req.body) as { text: string; blocks: Array<Record<string, any>> };
        expect(body.text).toBe(`[CRITICAL] ${alert.title}`);
        expect(body.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'section', 'context']);
        expect(body.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: `[CRITICAL] ${alert.title}` } });
        const fields = body.blocks.slice(2, 4).flatMap((b) => b.fields as Array<{ type: string; text: string }>);
        expect(fields.every((f) => f.type === 'mrkdwn')).toBe(true);
        expect(fields.map((f) => f.text.split('\n')[0])).toEqual([
            '*Severity*', '*Kind*', '*Registry*', '*Repository*', '*Tag*', '*Digest*', '*Actor*', '*User agent*', '*Request host*', '*Time*', '*Detected by*', '*Alert id*',
        ]);
        expect(fields.find((f) => f.text.startsWith('*Actor*'))?.text).toBe('*Actor*\n&lt;!channel&gt; [click](https://evil.example)');
        expect(req.body).not.toContain('<!channel>');
        expect(body.blocks[4]).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: `acr-guard alert ${alert.alertId}` }] });
    });

    it('posts a Teams message with one Adaptive Card attachment', async () => {
        const h = await harness(settingsFor('teams'), uniqueTableName());
        const { alert } = await h.service.raise(bypass);
        const body = JSON.parse(hook.requests[0]!.body) as Record<string, any>;
        expect(body.type).toBe('message');
        expect(body.attachments).toHaveLength(1);
        const attachment = body.attachments[0];
        expect(attachment.contentType).toBe('application/vnd.microsoft.card.adaptive');
        expect(attachment.contentUrl).toBeNull();
        expect(attachment.content).toMatchObject({ $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4' });
        const [title, message, facts] = attachment.content.body;
        expect(title).toMatchObject({ type: 'TextBlock', weight: 'Bolder', color: 'Attention', wrap: true });
        expect(title.text).toContain('CRITICAL');
        expect(message).toMatchObject({ type: 'TextBlock', wrap: true });
        expect(facts.type).toBe('FactSet');
        expect(facts.facts).toContainEqual({ title: 'Digest', value: DIGEST_A });
        expect(facts.facts).toContainEqual({ title: 'Alert id', value: alert.alertId });
        // Markdown link syntax from the event is escaped, not rendered as a link.
        expect(facts.facts).toContainEqual({ title: 'Actor', value: '<!channel> \\[click\\]\\(https://evil.example\\)' });
    });

    it('chooses the format by host when set to auto', () => {
        expect(webhookFormatFor('https://hooks.slack.com/services/T/B/x', 'auto')).toBe('slack');
        expect(webhookFormatFor('https://contoso.webhook.office.com/webhookb2/x', 'auto')).toBe('teams');
        expect(webhookFormatFor('https://prod-12.westeurope.logic.azure.com:443/workflows/x/triggers/manual/paths/invoke', 'auto')).toBe('teams');
        expect(webhookFormatFor('https://default0a.12.environment.api.powerplatform.com/powerautomate/x', 'auto')).toBe('teams');
        expect(webhookFormatFor('https://chat.example.org/hooks/x', 'auto')).toBe('slack');
        expect(webhookFormatFor('https://hooks.slack.com/services/T/B/x', 'teams')).toBe('teams');
    });
});

describe('webhook secret', () => {
    it('never appears in logs, warnings, stored rows or redelivery reports, for HTTP errors and refused connections', async () => {
        // An endpoint that echoes the URL in its error body, then a closed port.
        hook.fallback = { status: 500, body: `no route for /services/T000/B000/${SECRET}` };
        const h = await harness(settingsFor('slack'), uniqueTableName());
        const first = await h.service.raise(bypass);
        expect(first.alert.deliveries.webhook?.status).toBe('undelivered');

        const dead = await startRecordingServer();
        const deadOrigin = dead.origin;
        await dead.close();
        const h2 = await harness(alertSettings({ alertWebhookUrl: `${deadOrigin}/services/T000/B000/${SECRET}`, alertWebhookFormat: 'slack' }), uniqueTableName());
        const second = await h2.service.raise(bypass);
        expect(second.alert.deliveries.webhook).toMatchObject({ status: 'undelivered', lastError: expect.stringContaining('ECONNREFUSED') });
        const report = await h2.service.redeliverPending();

        const everything = JSON.stringify([
            h.logLines, h.warnings, await h.service.listAlerts(), first,
            h2.logLines, h2.warnings, await h2.service.listAlerts(), second, report,
        ]);
        expect(h.warnings.length + h2.warnings.length).toBeGreaterThanOrEqual(2);
        expect(everything).toContain('webhook URL redacted');
        expect(everything).not.toContain(SECRET);
    });
});
