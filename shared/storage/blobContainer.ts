import type { TokenCredential } from '@azure/core-auth';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import type { StorageConnection } from '../config/storageConnection';

/**
 * A blob container of the app's storage account (the Event Grid dead letters), from the same
 * connection as its queues and tables: a connection string, or identity-based with
 * CONN__blobServiceUri (or CONN__accountName). Its own module so that only the functions that
 * read blobs load `@azure/storage-blob`.
 */
export function createBlobContainerClient(connection: StorageConnection, containerName: string, credential?: TokenCredential): ContainerClient {
    if (connection.kind === 'connectionString') return BlobServiceClient.fromConnectionString(connection.connectionString).getContainerClient(containerName);
    if (!connection.blobServiceUri) {
        throw new Error(`storage connection ${connection.name} has no blob endpoint: set ${connection.name}__blobServiceUri (or ${connection.name}__accountName)`);
    }
    if (!credential) throw new Error(`storage connection ${connection.name} is identity-based: a credential is required`);
    return new BlobServiceClient(connection.blobServiceUri, credential).getContainerClient(containerName);
}
