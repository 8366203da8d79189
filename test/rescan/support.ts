import { randomBytes } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import { TableRescanLedger } from '../../shared/rescan/rescanLedger';
import { decodeScanRequest, type ScanRequest } from '../../shared/scan/scanRequest';
import { QueueScanRequestSink } from '../../shared/scan/scanRequestSink';

export const suffix = () => randomBytes(4).toString('hex');

/** A ledger on two fresh tables and a fresh queue of the test Azurite (created, as provisioning does), and a sink on that queue. */
export async function freshLedgerAndQueue(connectionString: string) {
    const s = suffix();
    const table = (name: string) => TableClient.fromConnectionString(connectionString, name, { allowInsecureConnection: true });
    const [requests, runs] = [table(`rescanreq${s}`), table(`rescanruns${s}`)];
    const queue = new QueueClient(connectionString, `rescan-requests-${s}`);
    await Promise.all([requests.createTable(), runs.createTable(), queue.createIfNotExists()]);
    return { ledger: new TableRescanLedger(requests, runs), queue, sink: new QueueScanRequestSink(queue) };
}

/** Every message on the queue, visible or not (approximate count) and the visible ones, decoded. */
export async function queueContents(queue: QueueClient): Promise<{ total: number; visible: ScanRequest[] }> {
    const total = (await queue.getProperties()).approximateMessagesCount ?? 0;
    const peeked = await queue.peekMessages({ numberOfMessages: 32 });
    const visible = peeked.peekedMessageItems.map((m) => {
        const decoded = decodeScanRequest(m.messageText);
        if (!decoded.ok) throw new Error(decoded.reason);
        return decoded.request;
    });
    return { total, visible };
}
