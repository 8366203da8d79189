import type { RegistryEvent } from '../events/registryEvent';
import type { IntakeLog } from './intakeLog';

/** An image push into the live prefix: repository and digest are always valid here. */
export type LivePush = RegistryEvent & { readonly repository: string; readonly digest: string };

/**
 * The seam for the `live-check` route: intake records the push (event row + digest row) and then
 * hands it here. The gate's quarantine check implements it (the composition root,
 * shared/app/createServices.ts, passes it to IntakeService); `ignoreLivePushes` serves tests of
 * intake alone. Called at least once per event: implementations must be idempotent. Throwing makes
 * intake throw too, so Event Grid redelivers.
 */
export interface LivePushObserver {
    livePushed(push: LivePush, log: IntakeLog): Promise<void>;
}

export const ignoreLivePushes: LivePushObserver = {
    async livePushed() {
        // Nothing installed: the digest row intake wrote still records the push.
    },
};
