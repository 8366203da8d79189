import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildPatchTask } from '../../shared/patching/patchTask';
import { AcrTaskRunner } from '../../shared/registry/acrTaskRunner';
import { AcrTaskScanner } from '../../shared/registry/acrTaskScanner';
import { ScannerError } from '../../shared/registry/scanner';
import { PATCHING_NEEDS_ACR_LINE, TRIVY_MISSING_LINE, localTaskExecutor } from '../../local-registry/localTaskExecutor';
import { startLocalRegistry, type LocalRegistry } from '../../local-registry/localRegistry';
import type { ScheduledRun } from '../../local-registry/taskRuns';
import { testAcrConnection } from '../support/testAzureAccess';
import { buildImage, pushImage } from './ociImage';
import { installStandInTrivy } from './standInTrivy';

/**
 * The local task executor runs the app's own Trivy scan task on this machine, with a stand-in
 * `trivy` on the PATH (standInTrivy.ts) in place of Trivy at the process boundary.
 */

const alpineReport = resolve(__dirname, '../../../shared/fixtures/trivy/alpine-310.golden.json');
const work = mkdtempSync(join(tmpdir(), 'local-registry-executor-'));
const withTrivy = join(work, 'bin');
const withoutTrivy = join(work, 'empty');
const argvFile = join(work, 'argv.json');
const cacheDir = join(work, 'cache');


let registry: LocalRegistry;
let digest: string;

beforeAll(async () => {
    for (const dir of [withTrivy, withoutTrivy]) mkdirSync(dir, { recursive: true });
    installStandInTrivy(withTrivy);
    registry = await startLocalRegistry({ azuriteConnectionString: inject('azuriteConnectionString'), httpPort: 0, registryName: 'acrguardlocal' });
    const image = buildImage({ files: { 'app.txt': 'scan me' } });
    expect((await pushImage(registry.httpUrl!, 'quarantine/app', '1.0', image)).status).toBe(201);
    digest = image.manifest.digest;
});

afterAll(async () => {
    await registry?.close();
});

function scannerFor(r: LocalRegistry): AcrTaskScanner {
    return new AcrTaskScanner(new AcrTaskRunner(testAcrConnection(r), { schedulePollIntervalMs: 1 }), {
        loginServer: r.loginServer,
        trivyImage: 'ghcr.io/aquasecurity/trivy:0.58.1',
        scanTimeoutSeconds: 600,
        pollIntervalMs: 1,
        waitTimeoutMs: 30_000,
    });
}

describe('the local task executor', () => {
    it('runs the scan task\'s own Trivy command line against the local registry and hands the report back through the verified envelope', async () => {
        registry.onRun(localTaskExecutor({ cacheDir, env: { ...process.env, PATH: `${withTrivy}:${process.env['PATH']}`, ARGV_FILE: argvFile, RECORDED_REPORT: alpineReport } }));
        const result = await scannerFor(registry).scan({ registry: registry.loginServer, repository: 'quarantine/app', digest });

        const pulledFrom = `${registry.pushAddress}/quarantine/app@${digest}`;
        const report = JSON.parse(result.reportJson);
        expect(report.ArtifactName).toBe(pulledFrom);
        expect(report.Results).toEqual(JSON.parse(readFileSync(alpineReport, 'utf8')).Results);
        expect(result.trivyVersion).toBe('0.58.1');
        expect(result.dbVersion).toBe('2026-01-02T06:13:07Z');

        // The task's command line (shared/registry/trivyScanTask.ts), with the agent's /workspace
        // mapped to a run directory, the DB cache kept, and the image pulled from this machine.
        const argv = JSON.parse(readFileSync(argvFile, 'utf8')) as string[];
        const output = argv[argv.indexOf('--output') + 1]!;
        expect(output).toMatch(/acr-guard-report\.json$/);
        expect(output.startsWith('/workspace/')).toBe(false);
        expect(argv).toEqual([
            'image', '--scanners', 'vuln', '--pkg-types', 'os,library', '--format', 'json', '--output', output,
            '--timeout', '600s',
            '--db-repository', 'ghcr.io/aquasecurity/trivy-db:2,public.ecr.aws/aquasecurity/trivy-db:2',
            '--java-db-repository', 'ghcr.io/aquasecurity/trivy-java-db:1,public.ecr.aws/aquasecurity/trivy-java-db:1',
            '--cache-dir', cacheDir, '--no-progress', pulledFrom,
        ]);
    });

    it('fails the scan closed when Trivy fails (here: the image cannot be pulled), with Trivy\'s own words in the log', async () => {
        registry.onRun(localTaskExecutor({ cacheDir, retryDelaySeconds: 0, env: { ...process.env, PATH: `${withTrivy}:${process.env['PATH']}`, ARGV_FILE: argvFile, RECORDED_REPORT: alpineReport } }));
        // A digest the registry does not have: the stand-in, like Trivy, cannot pull it; the step's two retries fail too.
        const missing = `sha256:${'0'.repeat(64)}`;
        const scanner = scannerFor(registry);
        const err = await scanner.scan({ registry: registry.loginServer, repository: 'quarantine/app', digest: missing }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ScannerError);
        expect((err as ScannerError).code).toBe('run-failed');
        expect((err as ScannerError).logExcerpt).toContain(`FATAL\tcannot pull ${registry.pushAddress}/quarantine/app@${missing}: HTTP 404`);
        expect((err as ScannerError).logExcerpt).toContain('(attempt 3 of 3)');
        expect((err as ScannerError).logExcerpt).not.toContain('acr-guard-report-begin');
    });

    it('without trivy on the PATH, fails the run closed with one line saying what to install or configure', async () => {
        registry.onRun(localTaskExecutor({ cacheDir, env: { PATH: withoutTrivy } }));
        const err = await scannerFor(registry).scan({ registry: registry.loginServer, repository: 'quarantine/app', digest }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ScannerError);
        expect((err as ScannerError).code).toBe('run-failed');
        expect((err as ScannerError).message).toContain('`trivy` is not on the PATH');
        expect((err as ScannerError).logExcerpt).toBe(TRIVY_MISSING_LINE);
        expect(TRIVY_MISSING_LINE).toMatch(/Install Trivy .* or point the app at a real registry \(ACR_GUARD_REGISTRY_LOGIN_SERVER, ACR_GUARD_REGISTRY_RESOURCE_ID\)/);
    });

    it('answers a Copacetic patch run with one "patching needs an ACR" line, and any other task by failing closed', async () => {
        const patch = buildPatchTask({
            loginServer: registry.loginServer,
            repository: 'live/app',
            tag: '1.0',
            digest,
            patchTag: '1.0-1',
            targetRepository: 'quarantine/app',
            trivyImage: 'ghcr.io/aquasecurity/trivy:0.58.1',
            dbRepositories: ['ghcr.io/aquasecurity/trivy-db:2'],
            copaImage: 'ghcr.io/project-copacetic/copacetic:0.10.0',
            buildkitImage: 'moby/buildkit:v0.19.0',
        });
        const run = (taskYaml: string, values: Record<string, string>): ScheduledRun => ({
            runId: 'ca1', taskYaml, values, platform: undefined, timeoutSeconds: 600, request: {}, registry: registry.registry, loginServer: registry.loginServer,
        });
        const executor = localTaskExecutor({ cacheDir, env: { ...process.env, PATH: `${withTrivy}:${process.env['PATH']}` } });
        const patched = await executor(run(patch.taskYaml, patch.values));
        expect(patched).toEqual({ status: 'Failed', log: `${PATCHING_NEEDS_ACR_LINE}\n`, errorMessage: PATCHING_NEEDS_ACR_LINE });
        expect(PATCHING_NEEDS_ACR_LINE).toMatch(/^local-registry: patching needs an ACR: .*BuildKit/);

        const other = await executor(run('version: v1.1.0\nsteps:\n  - id: build\n    cmd: docker build -t x .\n', {}));
        expect(other.status).toBe('Failed');
        expect(other.log).toMatch(/^local-registry: only acr-guard's Trivy scan task runs locally; this task \(steps build\) needs an ACR/);
    });
});
