import { app, type InvocationContext, type Timer } from '@azure/functions';
import { services } from './services';

/**
 * Continuous scanning: on its schedule, selects live images whose verdict a rescan could change
 * (a newer Trivy DB than the one they were judged with) and queues them on `rescan-requests`,
 * the bulk lane that push scans never wait behind. Idempotent: a repeated run queues nothing new.
 */
export async function rescanSelectionTimer(_timer: Timer, context: InvocationContext): Promise<void> {
    const run = await (await services().rescanSelection()).run();
    context.log(`rescan selection ${run.runId}: ${run.queued} queued of ${run.candidates} candidate(s)`);
}

// Daily at 03:00 UTC. A literal schedule: the registrations check validates every timer's NCRONTAB
// (a %SETTING% reference cannot be checked before start-up).
app.timer('rescanSelection', { schedule: '0 0 3 * * *', handler: rescanSelectionTimer });
