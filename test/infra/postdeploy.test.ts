import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from './arm';

// The azd postdeploy hook, run for real by sh. The Azure CLI is the process boundary: a stand-in `az`
// on the PATH records each call and answers `deployment group create` from a script of outcomes.

const hook = path.join(repoRoot, 'infra/scripts/postdeploy.sh');
const dirs: string[] = [];
afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A fake `az`: each `deployment group create` consumes the next line of `outcomes` (ok | not-found | other). */
function fakeAz(outcomes: string[], options: { signedIn?: boolean } = {}): { bin: string; calls: () => string[] } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'acr-guard-postdeploy-'));
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, 'outcomes'), outcomes.join('\n') + '\n');
    fs.writeFileSync(
        path.join(dir, 'az'),
        `#!/bin/sh
echo "$*" >> "${dir}/calls"
case "$1 $2" in
  "account show") ${options.signedIn === false ? 'echo "Please run az login" >&2; exit 1' : 'exit 0'} ;;
  "bicep version") echo "Bicep CLI version 0.49.2"; exit 0 ;;
  "deployment group")
    outcome=$(head -n 1 "${dir}/outcomes"); sed -i '1d' "${dir}/outcomes"
    case "$outcome" in
      ok) exit 0 ;;
      not-found) echo "ERROR: {\\"code\\": \\"InvalidRequest\\", \\"message\\": \\"Destination endpoint not found. Resource details: resourceId: /subscriptions/x/resourceGroups/rg/providers/Microsoft.Web/sites/func/functions/registryEventIntake.\\"}" >&2; exit 1 ;;
      *) echo "ERROR: AuthorizationFailed: the client does not have authorization" >&2; exit 1 ;;
    esac ;;
esac
exit 0
`,
        { mode: 0o755 },
    );
    return { bin: dir, calls: () => (fs.existsSync(path.join(dir, 'calls')) ? fs.readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n') : []) };
}

const azdValues = {
    AZURE_RESOURCE_GROUP: 'rg-acr-guard',
    EVENT_GRID_SYSTEM_TOPIC_NAME: 'evgt-acrguard-registry-abc',
    FUNCTION_APP_NAME: 'func-acrguard-abc',
    STORAGE_ACCOUNT_NAME: 'stacrguardabc',
    ACR_GUARD_QUARANTINE_PREFIX: 'quarantine/',
    ACR_GUARD_LIVE_PREFIX: 'live/',
    ACR_GUARD_OTHER_REPOSITORIES: 'ignore',
};

function runHook(bin: string, env: Record<string, string | undefined>) {
    const result = spawnSync('sh', [hook], {
        env: { PATH: `${bin}:/usr/bin:/bin`, POSTDEPLOY_WAIT_SECONDS: '0', POSTDEPLOY_ATTEMPTS: '5', ...env },
        encoding: 'utf8',
    });
    return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

describe('infra/scripts/postdeploy.sh', () => {
    it('retries "Destination endpoint not found" while Flex syncs triggers, then succeeds', () => {
        const az = fakeAz(['not-found', 'not-found', 'ok']);
        const { status, out } = runHook(az.bin, azdValues);
        expect(status).toBe(0);
        expect(az.calls().filter((c) => c.startsWith('deployment group create'))).toHaveLength(3);
        expect(out).toContain('attempt 2/5');
        expect(out).toContain('event subscription in place');
        expect(az.calls().find((c) => c.startsWith('deployment group create'))).toContain('systemTopicName=evgt-acrguard-registry-abc');
    });

    it('gives up after the configured attempts with what to check', () => {
        const az = fakeAz(Array(5).fill('not-found'));
        const { status, out } = runHook(az.bin, azdValues);
        expect(status).toBe(1);
        expect(az.calls().filter((c) => c.startsWith('deployment group create'))).toHaveLength(5);
        expect(out).toContain('still not found after 5 attempts');
    });

    it('does not retry any other failure', () => {
        const az = fakeAz(['other', 'ok']);
        const { status, out } = runHook(az.bin, azdValues);
        expect(status).toBe(1);
        expect(az.calls().filter((c) => c.startsWith('deployment group create'))).toHaveLength(1);
        expect(out).toContain('AuthorizationFailed');
        expect(out).toContain('not retried');
    });

    it('checks its prerequisites with a clear message: azd values', () => {
        const az = fakeAz(['ok']);
        const { status, out } = runHook(az.bin, { ...azdValues, FUNCTION_APP_NAME: undefined });
        expect(status).toBe(1);
        expect(out).toContain("FUNCTION_APP_NAME is not set; run 'azd provision' first");
        expect(az.calls().filter((c) => c.startsWith('deployment'))).toEqual([]);
    });

    it('checks its prerequisites with a clear message: a signed-in Azure CLI', () => {
        const az = fakeAz(['ok'], { signedIn: false });
        const { status, out } = runHook(az.bin, azdValues);
        expect(status).toBe(1);
        expect(out).toContain("run 'az login'");
    });

    it('says loudly when the alert rules notify nobody', () => {
        const az = fakeAz(['ok']);
        const { status, out } = runHook(az.bin, { ...azdValues, NOTIFICATIONS: 'WARNING: no alert receivers' });
        expect(status).toBe(0);
        expect(out).toMatch(/\*{20,}\npostdeploy: WARNING: no alert receivers/);
    });
});
