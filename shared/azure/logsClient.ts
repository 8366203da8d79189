import type { TokenCredential } from '@azure/core-auth';
import { LogsQueryClient } from '@azure/monitor-query-logs';
import type { AzureClientOptions } from './azureAccess';

/** Log Analytics' query client for the configured endpoint (`<endpoint>/v1/<resourceId>/query`). */
export function createLogsClient(endpoint: string, credential: TokenCredential, clientOptions: AzureClientOptions = {}): LogsQueryClient {
    const base = endpoint.replace(/\/+$/, '');
    return new LogsQueryClient(credential, {
        ...clientOptions,
        endpoint: `${base}/v1`,
        // The token audience is the query API's own host (public, US Gov and China clouds alike).
        credentials: { scopes: [`${new URL(base).origin}/.default`] },
    });
}
