import { app, type InvocationContext, type Timer } from '@azure/functions';
import { services } from './services';

/**
 * Event Grid dead letters are not the end: every 10 minutes, the registry events Event Grid gave up
 * on (the dead-letter container) go through the normal intake, once per blob, each with an
 * `event-dead-lettered` alert (shared/deadletter).
 */
export async function replayDeadLetters(_timer: Timer, context: InvocationContext): Promise<void> {
    const report = await (await services().deadLetterReplay()).run();
    if (report.replayedBlobs + report.unreadableBlobs + report.deferred > 0) {
        context.log(
            `dead letters: ${report.replayedEvents} event(s) from ${report.replayedBlobs} blob(s) replayed, ` +
                `${report.unreadableBlobs} unreadable blob(s) alerted, ${report.deferred} left for the next run`,
        );
    }
}

app.timer('replayDeadLetters', { schedule: '0 */10 * * * *', handler: replayDeadLetters });
