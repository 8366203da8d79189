import { app, type InvocationContext } from '@azure/functions';
import { STORAGE_CONNECTION } from '../shared/config/storageConnection';
import { decodePatchRequest } from '../shared/patching/patchRequest';
import { services } from './services';
import { poisonQueueOf, queues } from '../shared/storage/names';
import { originalMessageText, queueTriggerText } from '../shared/storage/queueTrigger';

/**
 * One patch request: decide and schedule a patch run (`patch`), or look at a run again (`check`).
 * A message that is not a valid request can never succeed: it is parked at once, with the
 * reason, in patch-requests-poison (as the scan worker does), rather than retried.
 */
export async function patchWorker(message: unknown, context: InvocationContext): Promise<void> {
    const decoded = decodePatchRequest(message);
    if (!decoded.ok) {
        const reason = `malformed patch request: ${decoded.reason}`;
        context.error(`${queues.patchRequests}: ${reason}; parking the message in ${poisonQueueOf(queues.patchRequests)}`);
        await (await services().parking()).park(queues.patchRequests, originalMessageText(message, queueTriggerText(context)), reason);
        return;
    }
    await (await services().patching()).worker.handle(decoded.request, context);
}

app.storageQueue('patchWorker', { queueName: queues.patchRequests, connection: STORAGE_CONNECTION, handler: patchWorker });
