import { app, type InvocationContext } from '@azure/functions';
import { STORAGE_CONNECTION } from '../shared/config/storageConnection';
import { queues } from '../shared/storage/names';
import { queueTriggerText } from '../shared/storage/queueTrigger';
import { services } from './services';

/**
 * One patch request: decide and schedule a patch run (`patch`), or look at a run again (`check`).
 * A message that is not a valid request is parked at once, with the reason, in patch-requests-poison.
 */
export async function patchWorker(message: unknown, context: InvocationContext): Promise<void> {
    await (await services().patching()).handle(message, queueTriggerText(context), context);
}

app.storageQueue('patchWorker', { queueName: queues.patchRequests, connection: STORAGE_CONNECTION, handler: patchWorker });
