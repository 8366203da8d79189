import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { services } from './services';

/**
 * `POST /api/patching/run`: starts a cycle now (202 with its id). Repeated within a few minutes
 * it starts nothing and answers 200 with the cycle already running. Function key required.
 */
export async function patchingRun(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
    const outcome = await (await services().patching()).startCycle('run-now', context);
    if (!outcome.started && outcome.reason === 'patching-off') {
        return { status: 404, jsonBody: { error: 'continuous patching is off: ACR_GUARD_PATCH_CONFIG_PATH is not set' } };
    }
    return { status: outcome.started ? 202 : 200, jsonBody: outcome };
}

app.http('patchingRun', { methods: ['POST'], authLevel: 'function', route: 'patching/run', handler: patchingRun });
