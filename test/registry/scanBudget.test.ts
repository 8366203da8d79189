import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../shared/config/settings';
import { FUNCTION_TIMEOUT_SECONDS, INVOCATION_MARGIN_SECONDS, MAX_SCAN_TIMEOUT_SECONDS, MIN_SCAN_TIMEOUT_SECONDS, SCANNER_WAIT_HEAD_ROOM_SECONDS } from '../../shared/config/limits';
import { buildTrivyScanTask, scanCheckDeadlineSeconds } from '../../shared/registry/trivyScanTask';

/*
 * The scan and rescan workers no longer wait for a Trivy run (they schedule it and look again from
 * delayed check messages, test/scan/scanPipeline.test.ts "never waits for a run inside an
 * invocation"); the patch worker's pre-scan still waits inside one invocation, so the longest scan
 * the settings allow must end, and the scanner give up, before host.json's functionTimeout.
 */
const ROOT = path.resolve(__dirname, '../..');
const env = { ACR_GUARD_STORAGE: 'UseDevelopmentStorage=true', ACR_GUARD_REGISTRY_LOGIN_SERVER: 'contoso.azurecr.io', ACR_GUARD_REGISTRY_RESOURCE_ID: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/contoso' };

function hostFunctionTimeoutSeconds(): number {
    const host = JSON.parse(readFileSync(path.join(ROOT, 'host.json'), 'utf8')) as { functionTimeout: string };
    const match = /^(\d+):(\d{2}):(\d{2})$/.exec(host.functionTimeout);
    if (!match) throw new Error(`unexpected functionTimeout ${host.functionTimeout}`);
    return Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
}

const task = (scanTimeoutSeconds: number) =>
    buildTrivyScanTask({
        loginServer: 'contoso.azurecr.io',
        repository: 'quarantine/app',
        digest: `sha256:${'a'.repeat(64)}`,
        nonce: 'b'.repeat(32),
        trivyImage: 'ghcr.io/aquasecurity/trivy:0.58.1',
        dbRepositories: ['ghcr.io/aquasecurity/trivy-db:2'],
        pkgTypes: ['os', 'library'],
        scanTimeoutSeconds,
    });

describe('scan timeout against the host function timeout', () => {
    it('uses host.json functionTimeout as the budget', () => {
        expect(FUNCTION_TIMEOUT_SECONDS).toBe(hostFunctionTimeoutSeconds());
    });

    it('lets the longest allowed scan run, the scanner\'s wait after it and the rest of the invocation fit in the function timeout', () => {
        const longest = task(MAX_SCAN_TIMEOUT_SECONDS);
        const stepTimeout = Number(longest.values['stepTimeoutSeconds']);
        // One full Trivy attempt plus the report step (300 s) fit in the run's own limit.
        expect(stepTimeout + 300).toBeLessThanOrEqual(longest.timeoutSeconds);
        expect(longest.timeoutSeconds + SCANNER_WAIT_HEAD_ROOM_SECONDS + INVOCATION_MARGIN_SECONDS).toBeLessThanOrEqual(hostFunctionTimeoutSeconds());
        // The default too.
        expect(task(loadSettings(env).scanTimeoutSeconds).timeoutSeconds + SCANNER_WAIT_HEAD_ROOM_SECONDS + INVOCATION_MARGIN_SECONDS).toBeLessThanOrEqual(hostFunctionTimeoutSeconds());
        expect(() => task(MAX_SCAN_TIMEOUT_SECONDS + 1)).toThrow(`scan timeout must be 60 to ${MAX_SCAN_TIMEOUT_SECONDS} seconds`);
    });

    it('caps ACR_GUARD_SCAN_TIMEOUT_SECONDS there, with a message naming the function timeout, and infra/main.bicep agrees', () => {
        expect(loadSettings({ ...env, ACR_GUARD_SCAN_TIMEOUT_SECONDS: String(MAX_SCAN_TIMEOUT_SECONDS) }).scanTimeoutSeconds).toBe(MAX_SCAN_TIMEOUT_SECONDS);
        expect(() => loadSettings({ ...env, ACR_GUARD_SCAN_TIMEOUT_SECONDS: String(MAX_SCAN_TIMEOUT_SECONDS + 1) })).toThrow(
            new RegExp(`ACR_GUARD_SCAN_TIMEOUT_SECONDS.*at most ${MAX_SCAN_TIMEOUT_SECONDS}.*functionTimeout \\(${FUNCTION_TIMEOUT_SECONDS} s\\)`),
        );
        const bicep = readFileSync(path.join(ROOT, 'infra/main.bicep'), 'utf8');
        expect(/@maxValue\((\d+)\)\s*param scanTimeoutSeconds /.exec(bicep)?.[1]).toBe(String(MAX_SCAN_TIMEOUT_SECONDS));
    });

    it('gives a scan run up, in the scan pipeline\'s checks, at the same point the waiting scanner would: its own limit plus the head room', () => {
        for (const seconds of [MIN_SCAN_TIMEOUT_SECONDS, loadSettings(env).scanTimeoutSeconds, MAX_SCAN_TIMEOUT_SECONDS]) {
            expect(scanCheckDeadlineSeconds(seconds)).toBe(task(seconds).timeoutSeconds + SCANNER_WAIT_HEAD_ROOM_SECONDS);
        }
        // The default settings: Trivy 900 s → 3 × (900 + 120) + 300 = 3,360 s, capped at the 1,620 s run limit → given up after 1,680 s.
        expect(scanCheckDeadlineSeconds(900)).toBe(1680);
    });
});
