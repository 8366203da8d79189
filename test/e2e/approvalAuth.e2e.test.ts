import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The local host (through appHost) must be imported before anything that registers functions.
import { startAppHost } from '../support/appHost';
import type { LocalHost } from '../../local-host';
import { startAzurite, type AzuriteInstance } from '../../local-host/azurite';
import { services } from '../../functions/services';
import { readStorageConnection } from '../../shared/config/storageConnection';
import { TableScanResultStore } from '../../shared/results/tableScanResultStore';
import { startAcrServer, type AcrServer } from '../acr-server/acrServer';
import { appEnv } from '../support/appEnv';
import { startLocalEntra, type LocalEntra } from '../support/localEntra';
import { testAzureAccess } from '../support/testAzureAccess';
import { scanOf } from '../results/support';

/*
 * POST /api/promotions behind Microsoft Entra ID, through the local host with the app's real
 * registrations: ACR_GUARD_API_AUTH_TENANT_ID/AUDIENCE set, the tenant's keys served on loopback
 * (the network boundary), real RS256 tokens. The promotion ledger records who approved.
 */
const AUDIENCE = 'api://11111111-1111-1111-1111-111111111111';

let azurite: AzuriteInstance;
let acr: AcrServer;
let entra: LocalEntra;
let host: LocalHost;
let results: TableScanResultStore;

const approve = (body: unknown, headers: Record<string, string>) =>
    fetch(`${host.baseUrl}/api/promotions`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-functions-key': host.functionKey, ...headers }, body: JSON.stringify(body) });
const passed = async (repository: string, tag: string) => {
    const digest = acr.registry.putImage({ repository, tags: [tag] });
    await results.recordScan(scanOf(digest, [], { registry: acr.loginServer, repository, tag, verdict: { outcome: 'pass', reasons: [] }, scannedAt: new Date() }));
    return digest;
};

beforeAll(async () => {
    azurite = await startAzurite();
    acr = await startAcrServer({ azuriteConnectionString: azurite.connectionString });
    entra = await startLocalEntra();
    host = await startAppHost({
        azurite,
        composition: { access: testAzureAccess(acr.ca, { entraAuthorityHost: entra.authorityHost }) },
        env: appEnv({
            azurite,
            acr,
            extra: { ACR_GUARD_AUTO_PROMOTE: 'false', ACR_GUARD_API_AUTH_TENANT_ID: entra.tenantId, ACR_GUARD_API_AUTH_AUDIENCE: AUDIENCE },
        }),
    });
    results = TableScanResultStore.fromConnection(readStorageConnection('TEST', { TEST: azurite.connectionString }));
});

afterAll(async () => {
    await host?.stop();
    await entra?.close();
    await acr?.close();
    await azurite?.stop();
});

describe('promotion approval behind Entra ID', () => {
    it('a function key alone is not enough: 401 with a Bearer challenge, nothing promoted', async () => {
        const digest = await passed('quarantine/app/keyonly', '1.0');
        const answer = await approve({ repository: 'quarantine/app/keyonly', digest, tag: '1.0' }, {});
        expect(answer.status).toBe(401);
        expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="acr-guard"');
        const expired = await approve({ repository: 'quarantine/app/keyonly', digest, tag: '1.0' }, { authorization: `Bearer ${await entra.token({ aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) - 600 })}` });
        expect(expired.status).toBe(401);
        expect(acr.registry.events.filter((e) => e.kind === 'import' && e.digest === digest)).toEqual([]);
    });

    it('a valid token approves, and the ledger records who approved', async () => {
        const digest = await passed('quarantine/app/web', '2.0');
        const token = await entra.token({ aud: AUDIENCE, oid: 'aaaaaaaa-0000-0000-0000-000000000001', preferred_username: 'ada@contoso.com' });
        const answer = await approve({ repository: 'quarantine/app/web', digest, tag: '2.0' }, { authorization: `Bearer ${token}` });
        expect(answer.status).toBe(201);
        const approvedBy = 'entra oid=aaaaaaaa-0000-0000-0000-000000000001 upn=ada@contoso.com appid=22222222-2222-2222-2222-222222222222';
        expect(await answer.json()).toMatchObject({ status: 'promoted', target: 'live/app/web:2.0', approvedBy });
        expect(await (await services().gateStores()).ledger.find('live/app/web', digest)).toMatchObject({ state: 'confirmed', requestedBy: 'approval', approvedBy });
        expect(acr.registry.tag('live/app/web', '2.0')?.digest).toBe(digest);
    });
});
