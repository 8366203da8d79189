import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { services } from './services';

/**
 * POST /api/promotions {repository, digest, tag}: approves a passed quarantined image for
 * promotion to live/. authLevel 'function' (a function key) and, when Entra auth is configured, a
 * valid Entra access token (shared/auth): the ledger records who approved.
 */
export async function promotionApproval(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
    const auth = await (await services().apiAuth()).requireCaller(request);
    if (!auth.ok) return auth.response;
    let body: unknown;
    try {
        body = await request.json();
    } catch {
        return { status: 400, jsonBody: { error: 'invalid-json', reason: 'the body must be JSON: {"repository", "digest", "tag"}' } };
    }
    const answer = await (await services().approval()).approve(body, auth.caller);
    if (answer.status >= 400) context.warn(`promotion refused (${answer.status}): ${String(answer.body.reason)}`);
    return { status: answer.status, jsonBody: answer.body };
}

app.http('promotionApproval', { methods: ['POST'], authLevel: 'function', route: 'promotions', handler: promotionApproval });
