import { app, type InvocationContext } from '@azure/functions';
import { patching, patchVerificationObserver } from '../shared/patching/patchingApp';
import { useVerdictObserver } from '../shared/scan/scanApp';
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

app.storageQueue('patchWorker', { queueName: queues.patchRequests, connection: 'ACR_GUARD_STORAGE', handler: patchWorker });

// Closed loop: verdicts on patched images (quarantine/NAME:<patch tag>) are checked against their patch run.
useVerdictObserver(patchVerificationObserver);
