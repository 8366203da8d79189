import { z } from 'zod';

/**
 * The alert webhook URL is a bearer secret (Slack and Teams put the credential in the path), so
 * it is configured as a Key Vault reference `@Microsoft.KeyVault(SecretUri=...)` that the
 * Functions platform resolves before the app reads it. Validation messages here never echo the
 * value: a SettingsError is logged at start-up.
 */
const loopback = new Set(['localhost', '127.0.0.1', '[::1]']);

function problemWith(value: string): string | undefined {
    if (/^@Microsoft\.KeyVault\(/i.test(value)) {
        return 'the Key Vault reference was not resolved (grant the app identity "Key Vault Secrets User" on the vault and check the SecretUri)';
    }
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        return 'expected an https URL';
    }
    if (url.protocol === 'https:') return undefined;
    // Plain http only to this machine (local development and tests): never send the secret in clear.
    if (url.protocol === 'http:' && loopback.has(url.hostname)) return undefined;
    return 'expected an https URL (http is accepted for localhost only)';
}

export const secretWebhookUrl = z.string().superRefine((value, ctx) => {
    const problem = problemWith(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** Anything that may contain the webhook URL, made safe to log: the URL is replaced by its host. */
export function redactUrl(text: string, url: string): string {
    if (!text.includes(url)) return text;
    let host = 'webhook';
    try {
        host = new URL(url).host;
    } catch {
        // keep the generic name
    }
    return text.split(url).join(`<${host} webhook URL redacted>`);
}
