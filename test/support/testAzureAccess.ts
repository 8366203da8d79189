import type { AzureAccess } from '../../shared/app/azureAccess';
import { FakeTokenCredential } from './fakeTokenCredential';

/**
 * The app's Azure access pointed at local HTTPS stand-ins (the ACR test server, Log Analytics,
 * an Event Grid topic): a fake Entra token, trust in their self-signed certificates, no SDK
 * retries, and 1 ms polling of running operations. Install it with useAzureAccess before the
 * local host starts.
 */
export function testAzureAccess(ca: string | Buffer | Array<string | Buffer>, extra: Partial<AzureAccess> = {}): AzureAccess {
    return {
        credential: new FakeTokenCredential(),
        clientOptions: { tlsOptions: { ca }, retryOptions: { maxRetries: 0 } },
        pollIntervalMs: 1,
        ...extra,
    };
}
