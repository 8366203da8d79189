import { provisionStorage } from '../../shared/storage/provisionStorage';
import { StorageClients } from '../../shared/storage/storageClients';

/** Creates the app's queues and tables on this Azurite, as `npm start` (and infra/ in Azure) does. */
export function provisionAzurite(connectionString: string): ReturnType<typeof provisionStorage> {
    return provisionStorage(new StorageClients({ kind: 'connectionString', name: 'AZURITE', connectionString }));
}
