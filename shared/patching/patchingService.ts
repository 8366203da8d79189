import type { MessageParking } from '../storage/parkedMessages';
import { poisonQueueOf, queues } from '../storage/names';
import { originalMessageText } from '../storage/queueTrigger';
import { formatDryRun, toPlanJson, type PatchPlanJson } from './dryRunReport';
import { startPatchCycle, type CycleLog, type CycleOutcome, type CycleTrigger, type PatchCycleDeps } from './patchCycle';
import { decodePatchRequest } from './patchRequest';
import type { PatchWorker, WorkerLog } from './patchWorker';
import { planPatchCycle } from './plan';

/** The dry run, as the plan endpoint shows it: off, ACR's text format, or JSON. */
export type DryRun = { readonly kind: 'off' } | { readonly kind: 'text'; readonly text: string } | { readonly kind: 'json'; readonly body: PatchPlanJson };

/**
 * Continuous patching as the functions use it: start a cycle (timer or run-now), the dry run,
 * and one patch-requests delivery. A delivery that is not a valid request can never succeed: it is
 * parked at once, with the reason, in patch-requests-poison (as the scan pipeline does), not retried.
 */
export class PatchingService {
    constructor(
        private readonly deps: { readonly cycle: PatchCycleDeps; readonly worker: PatchWorker; readonly parking: MessageParking },
    ) {}

    startCycle(trigger: CycleTrigger, log: CycleLog): Promise<CycleOutcome> {
        return startPatchCycle(this.deps.cycle, trigger, log);
    }

    async dryRun(format: 'text' | 'json'): Promise<DryRun> {
        const { config, tagSource } = this.deps.cycle;
        if (!config) return { kind: 'off' };
        const plan = await planPatchCycle(config, tagSource);
        return format === 'json' ? { kind: 'json', body: toPlanJson(plan) } : { kind: 'text', text: `${formatDryRun(config, plan, { source: 'policy' }).join('\n')}\n` };
    }

    /** One delivery: `messageText` is the message as received (kept in a parked copy). */
    async handle(message: unknown, messageText: string | undefined, log: WorkerLog & { error(message: string): void }): Promise<void> {
        const decoded = decodePatchRequest(message);
        if (!decoded.ok) {
            const reason = `malformed patch request: ${decoded.reason}`;
            log.error(`${queues.patchRequests}: ${reason}; parking the message in ${poisonQueueOf(queues.patchRequests)}`);
            await this.deps.parking.park(queues.patchRequests, originalMessageText(message, messageText), reason);
            return;
        }
        await this.deps.worker.handle(decoded.request, log);
    }
}
