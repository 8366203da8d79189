import { app, type InvocationContext } from '@azure/functions';
import { STORAGE_CONNECTION } from '../shared/config/storageConnection';
import { dequeueCountOf, queueTriggerText } from '../shared/storage/queueTrigger';
import { services } from './services';
import { queues } from '../shared/storage/names';

/**
 * Scans one image pushed into quarantine (a ScanRequest on `scan-requests`), by digest. Throws to
 * make the host retry a failed scan; the last failed delivery records verdict `error` and the
 * message moves to `scan-requests-poison`. Malformed or refused requests are parked there at once.
 */
export async function scanWorker(message: unknown, context: InvocationContext): Promise<void> {
    await (await services().scanPipeline()).handle(
        { queue: queues.scanRequests, message, messageText: queueTriggerText(context), dequeueCount: dequeueCountOf(context) },
        context,
    );
}

app.storageQueue('scanWorker', { queueName: queues.scanRequests, connection: STORAGE_CONNECTION, handler: scanWorker });
