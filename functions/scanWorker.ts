import { app, type InvocationContext } from '@azure/functions';
import { STORAGE_CONNECTION } from '../shared/config/storageConnection';
import { queues } from '../shared/storage/names';
import { dequeueCountOf, originalMessageTrigger, readQueueTriggerMessage } from '../shared/storage/queueTrigger';
import { services } from './services';

/**
 * Scans one image pushed into quarantine (a ScanRequest on `scan-requests`), by digest. Throws to
 * make the host retry a failed scan; the last failed delivery records verdict `error` and the
 * message moves to `scan-requests-poison`. Malformed or refused requests are parked there at once,
 * byte for byte (the trigger hands over the message's bytes).
 */
export async function scanWorker(input: unknown, context: InvocationContext): Promise<void> {
    const message = readQueueTriggerMessage(input);
    await (await services().scanPipeline()).handle(
        { queue: queues.scanRequests, message: message.value, messageText: message.text, dequeueCount: dequeueCountOf(context) },
        context,
    );
}

app.storageQueue('scanWorker', { ...originalMessageTrigger, queueName: queues.scanRequests, connection: STORAGE_CONNECTION, handler: scanWorker });
