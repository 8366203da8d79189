import { app, type InvocationContext } from '@azure/functions';
import { STORAGE_CONNECTION } from '../shared/config/storageConnection';
import { queues } from '../shared/storage/names';
import { originalMessageTrigger, readQueueTriggerMessage } from '../shared/storage/queueTrigger';
import { services } from './services';

/**
 * One patch request: decide and schedule a patch run (`patch`), or look at a run again (`check`).
 * A message that is not a valid request is parked at once, byte for byte with the reason, in
 * patch-requests-poison.
 */
export async function patchWorker(input: unknown, context: InvocationContext): Promise<void> {
    const message = readQueueTriggerMessage(input);
    await (await services().patching()).handle(message.value, message.text, context);
}

app.storageQueue('patchWorker', { ...originalMessageTrigger, queueName: queues.patchRequests, connection: STORAGE_CONNECTION, handler: patchWorker });
