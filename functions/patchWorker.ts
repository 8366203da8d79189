import { app, type InvocationContext } from '@azure/functions';
import { STORAGE_CONNECTION } from '../shared/config/settings';
import { patching } from '../shared/patching/patchingApp';
import { decodePatchRequest } from '../shared/patching/patchRequest';
import { queues } from '../shared/storage/names';

/**
 * One patch request: decide and schedule a patch run (`patch`), or look at a run again (`check`).
 * A message that is not a valid request can never succeed: it is thrown on every delivery so the
 * host parks it, unchanged, in patch-requests-poison after maxDequeueCount attempts.
 */
export async function patchWorker(message: unknown, context: InvocationContext): Promise<void> {
    const decoded = decodePatchRequest(message);
    if (!decoded.ok) {
        context.error(`patch request rejected: ${decoded.reason}`);
        throw new Error(decoded.reason);
    }
    await patching().worker.handle(decoded.request, context);
}

app.storageQueue('patchWorker', { queueName: queues.patchRequests, connection: STORAGE_CONNECTION, handler: patchWorker });
