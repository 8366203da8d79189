import type { TableClient } from '@azure/data-tables';

/** The pipeline policy type, taken from the client so we need no direct core-rest-pipeline dependency. */
type PipelinePolicy = Parameters<TableClient['pipeline']['addPolicy']>[0];

/**
 * Counts HTTP requests a TableClient puts on the wire. The policy sits after the retry phase, so
 * a retried request counts once per attempt; a batch transaction (one multipart POST $batch) counts
 * once, whatever the number of operations inside it.
 */
export class RoundTripCounter {
    private requests = 0;
    private wireMs = 0;
    private readonly byMethod = new Map<string, number>();

    get count(): number {
        return this.requests;
    }

    /** Summed time from sending each request to its response (overlapping requests add up). */
    get elapsedMs(): number {
        return this.wireMs;
    }

    methods(): Record<string, number> {
        return Object.fromEntries(this.byMethod);
    }

    reset(): void {
        this.requests = 0;
        this.wireMs = 0;
        this.byMethod.clear();
    }

    policy(): PipelinePolicy {
        return {
            name: 'acrGuardRoundTripCounter',
            sendRequest: async (request, next) => {
                this.requests += 1;
                const key = /\$batch$/.test(new URL(request.url).pathname) ? 'BATCH' : request.method;
                this.byMethod.set(key, (this.byMethod.get(key) ?? 0) + 1);
                const start = performance.now();
                try {
                    return await next(request);
                } finally {
                    this.wireMs += performance.now() - start;
                }
            },
        };
    }

    /** Instruments a client (each client gets its own policy instance: names are unique per pipeline). */
    attach(client: TableClient): TableClient {
        client.pipeline.addPolicy(this.policy(), { afterPhase: 'Retry' });
        return client;
    }
}
