import { app, type InvocationContext, type Timer } from '@azure/functions';
import { services } from './services';

/**
 * Hourly: asks whether a continuous-patching cycle is due (every N days from the last start,
 * ACR_GUARD_PATCH_SCHEDULE) and, when it is, plans it and fans out patch requests.
 */
export async function patchCycleTimer(_timer: Timer, context: InvocationContext): Promise<void> {
    const outcome = await (await services().patching()).startCycle('timer', context);
    if (!outcome.started) context.log(`patch cycle not started: ${outcome.reason}${outcome.nextRunAt ? ` (next due ${outcome.nextRunAt.toISOString()})` : ''}`);
}

app.timer('patchCycleTimer', { schedule: '0 17 * * * *', handler: patchCycleTimer });
