import { randomBytes } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import { TableRescanLedger } from '../../shared/rescan/rescanLedger';
import { decodeScanRequest, type ScanRequest } from '../../shared/scan/scanRequest';

export const suffix = () => randomBytes(4).toString('hex');

/** A ledger on two fresh tables and a fresh queue of the test Azurite. */
export function freshLedgerAndQueue(connectionString: string) {
    const s = suffix();
    const table = (name: string) => TableClient.fromConnectionString(connectionString, name, { allowInsecureConnection: true });
    const ledger = new TableRescanLedger(table(`rescanreq${s}`), table(`rescanruns${s}`));
    const queue = new QueueClient(connectionString, `rescan-requests-${s}`);
    return { ledger, queue };
}

/** Every message on the queue, visible or not (approximate count) and the visible ones, decoded. */
export async function queueContents(queue: QueueClient): Promise<{ total: number; visible: ScanRequest[] }> {
    await queue.createIfNotExists();
    const total = (await queue.getProperties()).approximateMessagesCount ?? 0;
    const peeked = await queue.peekMessages({ numberOfMessages: 32 });
    const visible = peeked.peekedMessageItems.map((m) => {
        const decoded = decodeScanRequest(m.messageText);
        if (!decoded.ok) throw new Error(decoded.reason);
        return decoded.request;
    });
    return { total, visible };
}
