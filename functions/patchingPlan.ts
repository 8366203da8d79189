import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { formatDryRun, toPlanJson } from '../shared/patching/dryRunReport';
import { services } from './services';
import { planPatchCycle } from '../shared/patching/plan';

/**
 * `GET /api/patching/plan`: the dry run against the live registry, in ACR's format
 * (`Repo,Tag,LatestPatchTag` … `Matches found: N`), or `?format=json`. Function key required.
 */
export async function patchingPlan(request: HttpRequest): Promise<HttpResponseInit> {
    const { cycleDeps } = await services().patching();
    const config = cycleDeps.config;
    if (!config) return { status: 404, jsonBody: { error: 'continuous patching is off: ACR_GUARD_PATCH_CONFIG_PATH is not set' } };
    const plan = await planPatchCycle(config, cycleDeps.tagSource);
    if (request.query.get('format') === 'json') return { status: 200, jsonBody: toPlanJson(plan) };
    return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `${formatDryRun(config, plan, { source: 'policy' }).join('\n')}\n` };
}

app.http('patchingPlan', { methods: ['GET'], authLevel: 'function', route: 'patching/plan', handler: patchingPlan });
