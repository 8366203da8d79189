import type { TokenCredential } from '@azure/core-auth';
import { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import type { StorageConnection } from '../config/storageConnection';

const isHttp = (url: string) => url.startsWith('http://');

function connectionStringEndpoint(connectionString: string, key: string): string | undefined {
    const match = new RegExp(`(?:^|;)${key}=([^;]+)`, 'i').exec(connectionString);
    return match?.[1];
}

/**
 * The app's storage clients: one QueueClient per queue and one TableClient per table for the
 * app's lifetime, built on first use from the storage connection (a connection string, or
 * identity-based with the app's one credential). Creating nothing: the queues and tables exist
 * already (infra/ in Azure, provisionStorage locally and in tests).
 */
export class StorageClients {
    private readonly queues = new Map<string, QueueClient>();
    private readonly tables = new Map<string, TableClient>();

    /** `credential` serves identity-based connections (the app's one credential); unused with a connection string. */
    constructor(
        readonly connection: StorageConnection,
        private readonly credential?: TokenCredential,
    ) {}

    queue(name: string): QueueClient {
        let client = this.queues.get(name);
        if (!client) {
            client = createQueueClient(this.connection, name, this.credential);
            this.queues.set(name, client);
        }
        return client;
    }

    table(name: string): TableClient {
        let client = this.tables.get(name);
        if (!client) {
            client = createTableClient(this.connection, name, this.credential);
            this.tables.set(name, client);
        }
        return client;
    }
}

function requireCredential(connection: StorageConnection, credential: TokenCredential | undefined): TokenCredential {
    if (!credential) throw new Error(`storage connection ${connection.name} is identity-based: a credential is required`);
    return credential;
}

export function createQueueClient(connection: StorageConnection, queueName: string, credential?: TokenCredential): QueueClient {
    if (connection.kind === 'connectionString') return new QueueClient(connection.connectionString, queueName);
    return new QueueClient(`${connection.queueServiceUri}/${queueName}`, requireCredential(connection, credential));
}

export function createTableClient(connection: StorageConnection, tableName: string, credential?: TokenCredential): TableClient {
    if (connection.kind === 'connectionString') {
        const cs = connection.connectionString;
        const insecure = /UseDevelopmentStorage=true/i.test(cs) || isHttp(connectionStringEndpoint(cs, 'TableEndpoint') ?? '');
        return TableClient.fromConnectionString(cs, tableName, { allowInsecureConnection: insecure });
    }
    return new TableClient(connection.tableServiceUri, tableName, requireCredential(connection, credential), {
        allowInsecureConnection: isHttp(connection.tableServiceUri),
    });
}
