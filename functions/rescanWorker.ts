import { app, type InvocationContext } from '@azure/functions';
import { STORAGE_CONNECTION } from '../shared/config/storageConnection';
import { dequeueCountOf, queueTriggerText } from '../shared/storage/queueTrigger';
import { services } from './services';
import { queues } from '../shared/storage/names';

/**
 * The bulk lane: rescans (continuous scanning, patch verification) arrive on `rescan-requests`,
 * so a backlog of them never delays the scan of a fresh push on `scan-requests`. Same messages
 * (ScanRequest v1), same pipeline, same fail-closed rules as scanWorker.
 */
export async function rescanWorker(message: unknown, context: InvocationContext): Promise<void> {
    await (await services().scanPipeline()).handle(
        { queue: queues.rescanRequests, message, messageText: queueTriggerText(context), dequeueCount: dequeueCountOf(context) },
        context,
    );
}

app.storageQueue('rescanWorker', { queueName: queues.rescanRequests, connection: STORAGE_CONNECTION, handler: rescanWorker });
