import { TableClient } from '@azure/data-tables';
import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { QueueClient } from '@azure/storage-queue';
import { SettingsError } from '../config/setting';

/**
 * How the app reaches its storage account, read exactly as the Functions host reads a
 * connection named CONN: either one setting CONN holding a connection string (Azurite, local
 * development), or identity-based settings CONN__queueServiceUri, CONN__tableServiceUri
 * (or CONN__accountName), CONN__credential=managedidentity and CONN__clientId.
 */
export type StorageConnection =
    | { readonly kind: 'connectionString'; readonly name: string; readonly connectionString: string }
    | {
          readonly kind: 'identity';
          readonly name: string;
          readonly queueServiceUri: string;
          readonly tableServiceUri: string;
          readonly credential: TokenCredential;
          /** What the credential is, for logs: never a secret. */
          readonly credentialDescription: string;
      };

function serviceUri(env: Record<string, string | undefined>, name: string, service: 'queue' | 'table'): string | undefined {
    const explicit = env[`${name}__${service}ServiceUri`]?.trim();
    if (explicit) return explicit.replace(/\/+$/, '');
    const account = env[`${name}__accountName`]?.trim();
    return account ? `https://${account}.${service}.core.windows.net` : undefined;
}

export function readStorageConnection(name: string, env: Record<string, string | undefined>): StorageConnection {
    const connectionString = env[name]?.trim();
    if (connectionString) {
        if (!/UseDevelopmentStorage=true|AccountName=|SharedAccessSignature=|QueueEndpoint=/i.test(connectionString)) {
            throw new SettingsError([`${name} is malformed: expected a storage connection string`]);
        }
        return { kind: 'connectionString', name, connectionString };
    }
    const queueServiceUri = serviceUri(env, name, 'queue');
    const tableServiceUri = serviceUri(env, name, 'table');
    if (!queueServiceUri || !tableServiceUri) {
        throw new SettingsError([
            `${name} is missing: set ${name} to a connection string, or ${name}__queueServiceUri and ` +
                `${name}__tableServiceUri (or ${name}__accountName) for an identity-based connection`,
        ]);
    }
    const problems: string[] = [];
    for (const [setting, uri] of [
        [`${name}__queueServiceUri`, queueServiceUri],
        [`${name}__tableServiceUri`, tableServiceUri],
    ] as const) {
        if (!/^https?:\/\/[^\s/]+/.test(uri)) problems.push(`${setting} is malformed: expected an https URL`);
    }
    const credentialKind = env[`${name}__credential`]?.trim();
    const clientId = env[`${name}__clientId`]?.trim() || undefined;
    if (credentialKind && credentialKind.toLowerCase() !== 'managedidentity') {
        problems.push(`${name}__credential is malformed: the only supported value is "managedidentity"`);
    }
    if (problems.length > 0) throw new SettingsError(problems);
    const managed = credentialKind?.toLowerCase() === 'managedidentity';
    const credential: TokenCredential = managed
        ? clientId
            ? new ManagedIdentityCredential({ clientId })
            : new ManagedIdentityCredential()
        : new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
    const credentialDescription = managed
        ? `managed identity${clientId ? ` (client id ${clientId})` : ' (system-assigned)'}`
        : 'DefaultAzureCredential';
    return { kind: 'identity', name, queueServiceUri, tableServiceUri, credential, credentialDescription };
}

const isHttp = (url: string) => url.startsWith('http://');

function connectionStringEndpoint(connectionString: string, key: string): string | undefined {
    const match = new RegExp(`(?:^|;)${key}=([^;]+)`, 'i').exec(connectionString);
    return match?.[1];
}

export function createQueueClient(connection: StorageConnection, queueName: string): QueueClient {
    if (connection.kind === 'connectionString') return new QueueClient(connection.connectionString, queueName);
    return new QueueClient(`${connection.queueServiceUri}/${queueName}`, connection.credential);
}

export function createTableClient(connection: StorageConnection, tableName: string): TableClient {
    if (connection.kind === 'connectionString') {
        const cs = connection.connectionString;
        const insecure = /UseDevelopmentStorage=true/i.test(cs) || isHttp(connectionStringEndpoint(cs, 'TableEndpoint') ?? '');
        return TableClient.fromConnectionString(cs, tableName, { allowInsecureConnection: insecure });
    }
    return new TableClient(connection.tableServiceUri, tableName, connection.credential, {
        allowInsecureConnection: isHttp(connection.tableServiceUri),
    });
}
