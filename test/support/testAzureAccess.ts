import type { TokenCredential } from '@azure/core-auth';
import type { AzureAccess } from '../../shared/azure/azureAccess';
import { AcrConnection } from '../../shared/registry/acrConnection';
import type { AcrServer } from '../acr-server/acrServer';
import { FakeTokenCredential } from './fakeTokenCredential';

/**
 * The app's Azure access pointed at local HTTPS stand-ins (the ACR test server, Log Analytics,
 * an Event Grid topic): a fake Entra token, trust in their self-signed certificates, no SDK
 * retries, and 1 ms polling of running operations. Pass it as `composition.access` to startAppHost (or to createServices) before the
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

/** An AcrConnection to the ACR test server: its endpoints, trust in its certificate, a fake token (or `credential`), no SDK retries. */
export function testAcrConnection(server: AcrServer, credential: TokenCredential = new FakeTokenCredential()): AcrConnection {
    return new AcrConnection({
        credential,
        registryResourceId: server.registryResourceId,
        armEndpoint: server.armEndpoint,
        registryEndpoint: server.registryEndpoint,
        loginServer: server.loginServer,
        clientOptions: { tlsOptions: { ca: server.ca }, retryOptions: { maxRetries: 0 } },
    });
}
