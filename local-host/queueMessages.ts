import type { QueueClient } from '@azure/storage-queue';
import { readStorageConnection } from '../shared/config/storageConnection';
import { createAzureAccess } from '../shared/azure/azureAccess';
import { createQueueClient } from '../shared/storage/storageClients';
import type { QueueOptions } from './hostJson';

/**
 * Queue access shared by the queue trigger and the queue output binding: the connection is
 * resolved exactly as the Functions host resolves a binding's `connection` (a connection string
 * setting, or `<CONN>__queueServiceUri` identity settings), and message text is encoded as
 * host.json `extensions.queues.messageEncoding` says.
 */
export function queueClientFor(connection: string, queueName: string): QueueClient {
    const storage = readStorageConnection(connection, process.env);
    // Identity-based: the host's own credential, chosen as the app chooses its own.
    return createQueueClient(storage, queueName, storage.kind === 'identity' ? createAzureAccess(storage).credential : undefined);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The message body as the trigger sees it (bytes); undefined when it is not valid Base64 (the host parks those). */
export function decodeMessageBytes(text: string, options: Pick<QueueOptions, 'messageEncoding'>): Buffer | undefined {
    if (options.messageEncoding === 'none') return Buffer.from(text, 'utf8');
    const compact = text.replace(/\s+/g, '');
    if (compact.length % 4 !== 0 || !BASE64.test(compact)) return undefined;
    return Buffer.from(compact, 'base64');
}

/** Decodes a message as the trigger would; undefined when it is not valid Base64 (the host parks those). */
export function decodeMessage(text: string, options: Pick<QueueOptions, 'messageEncoding'>): string | undefined {
    return decodeMessageBytes(text, options)?.toString('utf8');
}

export function encodeMessage(text: string, options: Pick<QueueOptions, 'messageEncoding'>): string {
    return options.messageEncoding === 'none' ? text : Buffer.from(text, 'utf8').toString('base64');
}
