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

/**
 * Anything that may contain the webhook URL, made safe to log. The secret is the path (Slack:
 * /services/T/B/TOKEN; Teams: /webhookb2/GUID@GUID/IncomingWebhook/HEX/GUID), and a receiver
 * may echo the path or one segment of it in an error body, so the URL, its path and every
 * path segment or query value of 8+ characters are replaced.
 */
export function redactUrl(text: string, url: string): string {
    let parsed: URL | undefined;
    try {
        parsed = new URL(url);
    } catch {
        // not a URL: only the literal value can be redacted
    }
    const mark = `<${parsed?.host ?? 'webhook'} webhook URL redacted>`;
    const secrets = [url];
    if (parsed) {
        secrets.push(parsed.pathname + parsed.search, parsed.pathname);
        secrets.push(...parsed.pathname.split('/').map(decodeSafe));
        secrets.push(...parsed.pathname.split('/'));
        secrets.push(...[...parsed.searchParams.values()]);
    }
    let out = text;
    for (const secret of [...new Set(secrets)].filter((s) => s.length >= 8).sort((a, b) => b.length - a.length)) {
        out = out.split(secret).join(mark);
    }
    return out;
}

function decodeSafe(segment: string): string {
    try {
        return decodeURIComponent(segment);
    } catch {
        return segment;
    }
}
