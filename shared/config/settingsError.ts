import { AcrGuardError } from '../errors/acrGuardError';

/** Every problem found in the app's settings, named; thrown at start-up so the app never runs half-configured. */
export class SettingsError extends AcrGuardError {
    constructor(readonly problems: readonly string[]) {
        super(`acr-guard cannot start: ${problems.length} setting problem(s):\n  - ${problems.join('\n  - ')}`, { code: 'invalid-settings', retryable: false });
    }
}
