import { describe, expect, it } from 'vitest';
import { SettingsError } from '../../shared/config/settingsError';
import { loadSettings } from '../../shared/config/settings';
import { createAlertSinks } from '../../shared/alerts/createAlertService';

const base = {
    ACR_GUARD_STORAGE: 'UseDevelopmentStorage=true',
    ACR_GUARD_REGISTRY_LOGIN_SERVER: 'contoso.azurecr.io',
    ACR_GUARD_REGISTRY_RESOURCE_ID: '/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/contoso',
};

function problems(env: Record<string, string>): string {
    try {
        loadSettings({ ...base, ...env });
    } catch (err) {
        if (err instanceof SettingsError) return err.message;
        throw err;
    }
    return '';
}

describe('alert settings', () => {
    it('defaults to the log sink only', () => {
        const settings = loadSettings(base);
        expect(settings).toMatchObject({ alertWebhookFormat: 'auto', alertWebhookTimeoutSeconds: 10 });
        expect(settings.alertTopicEndpoint).toBeUndefined();
        expect(settings.alertWebhookUrl).toBeUndefined();
        expect(createAlertSinks(settings).map((s) => s.name)).toEqual(['log']);
    });

    it('adds the topic and webhook sinks when configured', () => {
        const settings = loadSettings({
            ...base,
            ACR_GUARD_ALERT_TOPIC_ENDPOINT: 'https://t.westeurope-1.eventgrid.azure.net/api/events',
            ACR_GUARD_ALERT_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/secret',
            ACR_GUARD_ALERT_WEBHOOK_FORMAT: 'slack',
            ACR_GUARD_ALERT_WEBHOOK_TIMEOUT_SECONDS: '3',
        });
        expect(settings.alertWebhookTimeoutSeconds).toBe(3);
        expect(createAlertSinks(settings).map((s) => s.name)).toEqual(['log', 'eventgrid', 'webhook']);
    });

    it('rejects an unresolved Key Vault reference and plain-http webhooks without echoing the value', () => {
        const unresolved = problems({ ACR_GUARD_ALERT_WEBHOOK_URL: '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/hook-SECRET1/)' });
        expect(unresolved).toContain('ACR_GUARD_ALERT_WEBHOOK_URL is malformed: the Key Vault reference was not resolved');
        expect(unresolved).not.toContain('SECRET1');

        const clear = problems({ ACR_GUARD_ALERT_WEBHOOK_URL: 'http://hooks.example.org/services/SECRET2' });
        expect(clear).toContain('http is accepted for localhost only');
        expect(clear).not.toContain('SECRET2');

        expect(problems({ ACR_GUARD_ALERT_WEBHOOK_URL: 'http://127.0.0.1:8080/hook' })).toBe('');
        expect(problems({ ACR_GUARD_ALERT_TOPIC_ENDPOINT: 'http://t.example/api/events' })).toContain('ACR_GUARD_ALERT_TOPIC_ENDPOINT is malformed');
        expect(problems({ ACR_GUARD_ALERT_WEBHOOK_FORMAT: 'discord' })).toContain('ACR_GUARD_ALERT_WEBHOOK_FORMAT is malformed');
    });
});
