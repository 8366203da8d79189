import { app, type InvocationContext, type Timer } from '@azure/functions';
import { services } from './services';

/** Retries every alert whose delivery to a sink failed (they stay recorded as undelivered until then). */
export async function redeliverAlerts(_timer: Timer, context: InvocationContext): Promise<void> {
    const report = await (await services().alerts()).redeliverPending();
    if (report.examined > 0) context.log(`alert redelivery: ${report.examined} examined, ${report.delivered}/${report.attempted} delivered, ${report.skipped} skipped`);
}

app.timer('redeliverAlerts', { schedule: '0 */2 * * * *', handler: redeliverAlerts });
