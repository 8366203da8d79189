import { app, type InvocationContext } from '@azure/functions';
import { STORAGE_CONNECTION } from '../shared/config/storageConnection';
import { queues } from '../shared/storage/names';
import { dequeueCountOf, originalMessageTrigger, readQueueTriggerMessage } from '../shared/storage/queueTrigger';
import { services } from './services';

/**
 * The bulk lane: rescans (continuous scanning, patch verification) arrive on `rescan-requests`,
 * so a backlog of them never delays the scan of a fresh push on `scan-requests`. Same messages
 * (ScanRequest v1), same pipeline, same fail-closed rules as scanWorker.
 */
export async function rescanWorker(input: unknown, context: InvocationContext): Promise<void> {
    const message = readQueueTriggerMessage(input);
    await (await services().scanPipeline()).handle(
        { queue: queues.rescanRequests, message: message.value, messageText: message.text, dequeueCount: dequeueCountOf(context) },
        context,
    );
}

app.storageQueue('rescanWorker', { ...originalMessageTrigger, queueName: queues.rescanRequests, connection: STORAGE_CONNECTION, handler: rescanWorker });
