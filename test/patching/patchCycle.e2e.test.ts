import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The local host (through appHost) must be imported before anything that registers functions.
import { startAppHost } from '../support/appHost';
import type { LocalHost } from '../../local-host';
import { startAzurite, type AzuriteInstance } from '../../local-host/azurite';
import { AlertStore } from '../../shared/alerts/alertStore';
import { PatchRunStore } from '../../shared/patching/patchRunStore';
import { PATCH_TASK_YAML } from '../../shared/patching/patchTask';
import { poisonQueueOf, queues, tables } from '../../shared/storage/names';
import { decodeParkedMessage } from '../../shared/storage/parkedMessages';
import { QueueClient } from '@azure/storage-queue';
import { startAcrServer, type AcrServer, type ScheduledRun } from '../acr-server/acrServer';
import { asTrivyReportOf, trivyScanLog } from '../acr-server/trivyScanRun';
import { testAzureAccess } from '../support/testAzureAccess';
import { azuriteTable, imagePushed } from '../support/intakeFixtures';
import { appEnv } from '../support/appEnv';

/*
 * A continuous-patching cycle end to end through the local host, against the ACR test server and
 * a real Azurite: run-now over HTTP → plan over the data plane's paged tag listing → patch-requests
 * → patchWorker (skip reasons from the manifest/config and from Trivy scans run as ACR tasks) →
 * the patch ACR Task (decoded YAML and values asserted) whose run pushes into quarantine/ →
 * PatchRuns rows; then the patched image's push goes through intake → scan → verdict → the
 * verification observer. Own Azurite: the app uses fixed queue and table names.
 */

let azurite: AzuriteInstance;
let server: AcrServer;
let host: LocalHost;
let runs: PatchRunStore;
let alerts: AlertStore;
const digests: Record<string, string> = {};

interface Vuln {
    id: string;
    fixed: string | null;
}
const report = (vulns: Vuln[], eosl = false) =>
    JSON.stringify({
        SchemaVersion: 2,
        ArtifactType: 'container_image',
        Metadata: { OS: { Family: 'debian', Name: '10.13', EOSL: eosl } },
        Results: [
            {
                Target: 'image (debian 10.13)',
                Class: 'os-pkgs',
                Type: 'debian',
                Vulnerabilities: vulns.map((v) => ({ VulnerabilityID: v.id, PkgName: 'openssl', InstalledVersion: '1.1.1n', FixedVersion: v.fixed, Severity: 'HIGH' })),
            },
        ],
    });

/** What each image "contains", by the digest the scan task was asked for. */
function reportFor(imageRef: string): string {
    const digest = imageRef.slice(imageRef.indexOf('@') + 1);
    if (digest === digests['app:1.0-1']) return report([{ id: 'CVE-2024-0001', fixed: '1.1.1w' }, { id: 'CVE-2024-0002', fixed: '1.1.1w' }]);
    if (digest === digests['old:9']) return report([{ id: 'CVE-2024-0003', fixed: '1.1.1w' }], true);
    if (digest === digests['clean:1.0']) return report([{ id: 'CVE-2024-0004', fixed: null }]);
    // The patched image: nothing fixable left.
    return report([]);
}

function playRun(run: ScheduledRun) {
    if (run.taskYaml === PATCH_TASK_YAML) {
        // What copa + push would leave behind: a new image under quarantine/.
        const target = run.values['patchedImage']!.slice(server.loginServer.length + 1);
        const [repository, tag] = target.split(':') as [string, string];
        digests['patched'] = run.registry.putImage({ repository, tags: [tag] });
        return { status: 'Succeeded' as const, log: `Patched image pushed to ${run.values['patchedImage']}\n` };
    }
    return { status: 'Succeeded' as const, log: trivyScanLog(run, asTrivyReportOf(reportFor(run.values['imageRef'] ?? ''), run.values['imageRef'] ?? '')) };
}

const configFile = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'acr-guard-patch-e2e-'));
    const file = path.join(dir, 'continuouspatching.json');
    writeFileSync(
        file,
        JSON.stringify({
            version: 'v1',
            'tag-convention': 'incremental',
            repositories: [
                { repository: 'live/app', tags: ['*'], enabled: true },
                { repository: 'live/win', tags: ['ltsc2022'] },
                { repository: 'live/old', tags: ['9'] },
                { repository: 'live/clean', tags: ['1.0'] },
                { repository: 'live/gone', tags: ['1.0'] },
                { repository: 'live/off', tags: ['1.0'], enabled: false },
            ],
        }),
    );
    return file;
};

const call = (method: string, route: string, key?: string) =>
    fetch(`${host.baseUrl}/api/${route}`, { method, headers: key ? { 'x-functions-key': key } : {} });

beforeAll(async () => {
    azurite = await startAzurite();
    server = await startAcrServer({ azuriteConnectionString: azurite.connectionString });
    digests['app:1.0'] = server.registry.putImage({ repository: 'live/app', tags: ['1.0'] });
    digests['app:1.0-1'] = server.registry.putImage({ repository: 'live/app', tags: ['1.0-1'] });
    server.registry.putImage({ repository: 'live/app', tags: ['2.0'] });
    digests['win:ltsc2022'] = server.registry.putImage({ repository: 'live/win', tags: ['ltsc2022'], os: 'windows' });
    digests['old:9'] = server.registry.putImage({ repository: 'live/old', tags: ['9'] });
    digests['clean:1.0'] = server.registry.putImage({ repository: 'live/clean', tags: ['1.0'] });
    server.onRun(playRun);

    // The network boundary only: a fake Entra token, the test server's certificate, 1 ms polling (so
    // a running patch run is looked at again at once); page size 2 so the listing of live/app takes
    // two pages, which the test asserts. The gate's promotion of the patched image goes there too.
    alerts = new AlertStore(azuriteTable(azurite.connectionString, tables.alerts));
    runs = new PatchRunStore(azuriteTable(azurite.connectionString, tables.patchRuns));
    host = await startAppHost({
        azurite,
        composition: { access: testAzureAccess(server.ca, { listPageSize: 2 }) },
        env: appEnv({ azurite, acr: server, extra: { ACR_GUARD_PATCH_CONFIG_PATH: configFile(), ACR_GUARD_PATCH_SCHEDULE: '7d' } }),
    });
});

afterAll(async () => {
    await host?.stop();
    await server?.close();
    await azurite?.stop();
});

describe('continuous patching through the local host', () => {
    it('keeps the dry-run and run-now endpoints behind the function key', async () => {
        expect((await call('GET', 'patching/plan')).status).toBe(401);
        expect((await call('POST', 'patching/run')).status).toBe(401);
        expect((await call('GET', 'patching/plan', 'wrong-key')).status).toBe(401);
    });

    it('serves the dry run from the live registry in ACR\'s format and as JSON, listing tags page by page', async () => {
        const before = server.requests.length;
        const text = await (await call('GET', 'patching/plan', host.functionKey)).text();
        expect(text).toContain('Configured Tag Convention:  incremental');
        expect(text).toContain('Repo,Tag,LatestPatchTag\nlive/app,1.0,1.0-1\nlive/app,2.0,N/A\nlive/win,ltsc2022,N/A\nlive/old,9,N/A\nlive/clean,1.0,N/A\n');
        expect(text).toContain('Artifacts specified in the filter that do not exist:\nRepo,Tag\nlive/gone,1.0\nNot found: 1');
        expect(text).toContain('Matches found: 5');
        // Three tags of live/app at two per page: two answered page requests (after the token challenge), none per tag.
        const pages = server.requests.slice(before).filter((r) => r.path === '/acr/v1/live/app/_tags' && r.status === 200);
        expect(pages.map((r) => r.query['last'] ?? null)).toEqual([null, '1.0-1']);

        const json = (await (await call('GET', 'patching/plan?format=json', host.functionKey)).json()) as { matches: unknown[] };
        expect(json.matches[0]).toEqual({ repository: 'live/app', tag: '1.0', latestPatchTag: '1.0-1', nextPatchTag: '1.0-2' });
    });

    it('runs a cycle now: skips with reasons, patches through an ACR Task into quarantine/, records every run', async () => {
        const started = await call('POST', 'patching/run', host.functionKey);
        expect(started.status).toBe(202);
        const outcome = (await started.json()) as { cycleId: string; matches: number; enqueued: number; notFound: number };
        expect(outcome).toMatchObject({ started: true, reason: 'run-now', matches: 5, enqueued: 5, notFound: 1 });
        // Idempotent within a short window: the same cycle, nothing new.
        const again = await call('POST', 'patching/run', host.functionKey);
        expect(again.status).toBe(200);
        expect(await again.json()).toMatchObject({ started: false, reason: 'recent-cycle', cycleId: outcome.cycleId });

        await host.idle(60_000);
        const rows = new Map((await runs.listCycle(outcome.cycleId)).map((r) => [`${r.repository}:${r.tag}`, r]));
        expect(rows.get('live/win:ltsc2022')).toMatchObject({ status: 'skipped', reason: 'windows', scanRunId: null });
        expect(rows.get('live/old:9')).toMatchObject({ status: 'skipped', reason: 'eosl', evidence: 'scan' });
        expect(rows.get('live/clean:1.0')).toMatchObject({ status: 'skipped', reason: 'no-fixable-os-vulnerabilities', fixableBefore: 0 });
        const app = rows.get('live/app:1.0');
        expect(app).toMatchObject({
            status: 'patched',
            originalDigest: digests['app:1.0'],
            scannedTag: '1.0-1',
            scannedDigest: digests['app:1.0-1'],
            patchTag: '1.0-2',
            targetRepository: 'quarantine/app',
            patchedDigest: digests['patched'],
            fixableBefore: 2,
        });
        expect(rows.size).toBe(5);

        // The Windows image was never scanned: its platform came from its config.
        const scans = server.runs().filter((r) => r.taskYaml !== PATCH_TASK_YAML);
        expect(scans.some((r) => r.values['imageRef']?.includes('live/win'))).toBe(false);
        // Exactly what the patch task received: the constant YAML and validated values.
        const patchRuns = server.runs().filter((r) => r.taskYaml === PATCH_TASK_YAML);
        const patched2 = patchRuns.find((r) => r.values['patchTag'] === '1.0-2')!;
        expect(patched2.values).toMatchObject({
            sourceImage: `${server.loginServer}/live/app:1.0@${digests['app:1.0']}`,
            localPatchedImage: `${server.loginServer}/live/app:1.0-2`,
            patchedImage: `${server.loginServer}/quarantine/app:1.0-2`,
            trivyTimeout: '1800s',
            copaTimeout: '1800s',
        });
        expect(patched2.request['timeout']).toBe(3600);
        expect(server.registry.tag('quarantine/app', '1.0-2')?.digest).toBe(digests['patched']);
        expect(server.registry.tag('live/app', '1.0-2')).toBeUndefined();
    });

    it('verifies the patched image when its own push is scanned and judged with fewer fixable vulnerabilities', async () => {
        const event = imagePushed('patch-e2e-push', 'quarantine/app', digests['patched']!.slice(7), '1.0-2');
        const pushed = { ...event, data: { ...event.data, request: { ...event.data.request, host: server.loginServer } } };
        const response = await fetch(`${host.baseUrl}/runtime/webhooks/eventgrid?functionName=registryEventIntake`, {
            method: 'POST',
            headers: { 'aeg-event-type': 'Notification', 'content-type': 'application/json' },
            body: JSON.stringify([pushed]),
        });
        expect(response.status).toBe(202);
        await host.idle(60_000);
        const run = await runs.findByTarget('quarantine/app', '1.0-2');
        expect(run).toMatchObject({ status: 'verified', fixableBefore: 2, fixableAfter: 0, patchedVerdict: 'pass', patchedDigest: digests['patched'] });
        expect(await alerts.list({ kind: 'patch-failed' })).toEqual([]);
        // Closed loop: the patched image passed its own gate and was promoted to live/ by digest.
        expect(server.registry.tag('live/app', '1.0-2')?.digest).toBe(digests['patched']);
    });

    it('parks a malformed patch request at once in patch-requests-poison, with the reason', async () => {
        const requests = new QueueClient(azurite.connectionString, queues.patchRequests);
        await requests.createIfNotExists();
        const hostile = JSON.stringify({ schema: 'acr-guard.patch-request', version: 1, kind: 'patch', repository: 'live/app;rm -rf /' });
        await requests.sendMessage(Buffer.from(hostile).toString('base64'));
        await host.idle(30_000);
        const poison = new QueueClient(azurite.connectionString, poisonQueueOf(queues.patchRequests));
        const { receivedMessageItems } = await poison.receiveMessages({ numberOfMessages: 32 });
        // The parked copy keeps the message as the trigger received it (decoded), and why.
        const parked = receivedMessageItems.map((m) => decodeParkedMessage(m.messageText)).filter((p) => p.message === hostile);
        expect(parked).toHaveLength(1);
        expect(parked[0]).toMatchObject({ queue: queues.patchRequests, reason: expect.stringMatching(/^malformed patch request: .*repository: not a valid OCI repository name/) });
    });
});
