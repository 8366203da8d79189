import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_POLICY, parsePolicyJson, PolicyError, type GatePolicy } from '../policy/gatePolicy';
import { errorMessage } from '../errors/errorMessage';

export const GATE_POLICY_SETTING = 'ACR_GUARD_GATE_POLICY_PATH';

/**
 * The gate policy the scan pipeline applies: the file named by ACR_GUARD_GATE_POLICY_PATH
 * (relative to the app root, or absolute), or DEFAULT_POLICY when the setting is unset. Read
 * synchronously, once, at start-up (functions/scanWorker.ts appStart hook): a missing or invalid
 * file fails the start with a PolicyError that names the setting and the problems.
 */
export function loadGatePolicy(policyPath: string | undefined, root: string): GatePolicy {
    if (policyPath === undefined) return DEFAULT_POLICY;
    const file = path.resolve(root, policyPath);
    let text: string;
    try {
        text = fs.readFileSync(file, 'utf8');
    } catch (err) {
        throw new PolicyError(`${GATE_POLICY_SETTING}: cannot read the gate policy file ${file}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`);
    }
    try {
        return parsePolicyJson(text, `${GATE_POLICY_SETTING} (${file})`);
    } catch (err) {
        if (err instanceof PolicyError) throw err;
        throw new PolicyError(`${GATE_POLICY_SETTING} (${file}): ${errorMessage(err)}`);
    }
}
