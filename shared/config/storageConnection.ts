import { SettingsError } from './settingsError';

/** The name of the storage connection the app's queues and tables use (`<name>` or `<name>__*`). */
export const STORAGE_CONNECTION = 'ACR_GUARD_STORAGE';

/**
 * How the app reaches its storage account (plain data: the clients and the credential are built
 * by shared/storage/storageClients.ts), read exactly as the Functions host reads a
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
          /** CONN__blobServiceUri (or from CONN__accountName): the dead-letter replay reads blobs; absent = no blob access. */
          readonly blobServiceUri?: string;
          /** CONN__credential=managedidentity: a managed identity (CONN__clientId picks a user-assigned one). */
          readonly managedIdentity: boolean;
          readonly clientId: string | undefined;
          /** What the credential is, for logs: never a secret. */
          readonly credentialDescription: string;
      };

function serviceUri(env: Record<string, string | undefined>, name: string, service: 'queue' | 'table' | 'blob'): string | undefined {
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
    const blobServiceUri = serviceUri(env, name, 'blob');
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
        ...(blobServiceUri ? ([[`${name}__blobServiceUri`, blobServiceUri]] as const) : []),
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
    const credentialDescription = managed
        ? `managed identity${clientId ? ` (client id ${clientId})` : ' (system-assigned)'}`
        : 'DefaultAzureCredential';
    return { kind: 'identity', name, queueServiceUri, tableServiceUri, ...(blobServiceUri ? { blobServiceUri } : {}), managedIdentity: managed, clientId, credentialDescription };
}
