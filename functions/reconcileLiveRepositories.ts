import { app, type InvocationContext, type Timer } from '@azure/functions';
import { services } from './services';

/** Reads ACR resource logs for writes into live/ and alerts on every digest without a promotion. */
export async function reconcileLiveRepositories(_timer: Timer, context: InvocationContext): Promise<void> {
    const report = await (await services().reconciler()).run();
    context.log(`reconciliation ${report.window.start}..${report.window.end}: ${report.rows} row(s), ${report.images} image(s), ${report.bypasses} bypass(es), ${report.newAlerts} new alert(s)`);
}

// Every 5 minutes: resource logs arrive minutes late; each window overlaps the last (ACR_GUARD_RECONCILE_OVERLAP_MINUTES).
app.timer('reconcileLiveRepositories', { schedule: '0 */5 * * * *', handler: reconcileLiveRepositories });
