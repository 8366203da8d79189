import { app, type InvocationContext } from '@azure/functions';
import { services } from './services';
import { errorMessage } from '../shared/errors/errorMessage';

/**
 * ACR events from the registry's Event Grid system topic. The host hands events over one at a
 * time, in the EventGridEvent shape or (CloudEvents subscriptions) as the CloudEvent itself;
 * the intake service reads both. Bad input is logged and recorded, never thrown; a storage
 * failure throws so Event Grid redelivers.
 */
export async function registryEventIntake(event: unknown, context: InvocationContext): Promise<void> {
    try {
        await (await services().intake()).handle(event, context);
    } catch (err) {
        context.error(`registry event intake failed; Event Grid will redeliver: ${errorMessage(err)}`);
        throw err;
    }
}

app.eventGrid('registryEventIntake', { handler: registryEventIntake });
