import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { services } from './services';

/**
 * `GET /api/patching/plan`: the dry run against the live registry, in ACR's format
 * (`Repo,Tag,LatestPatchTag` … `Matches found: N`), or `?format=json`. Function key required.
 */
export async function patchingPlan(request: HttpRequest): Promise<HttpResponseInit> {
    const dryRun = await (await services().patching()).dryRun(request.query.get('format') === 'json' ? 'json' : 'text');
    switch (dryRun.kind) {
        case 'off':
            return { status: 404, jsonBody: { error: 'continuous patching is off: ACR_GUARD_PATCH_CONFIG_PATH is not set' } };
        case 'json':
            return { status: 200, jsonBody: dryRun.body };
        case 'text':
            return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: dryRun.text };
    }
}

app.http('patchingPlan', { methods: ['GET'], authLevel: 'function', route: 'patching/plan', handler: patchingPlan });
