import { LogsQueryResultStatus, type LogsQueryClient, type LogsTable } from '@azure/monitor-query-logs';
import { isDigest, isRepository, isTag } from '../oci/reference';
import { uniqueByDigest, type LiveImage, type LiveImageSource } from './liveImage';
import { pulledImagesQuery } from './pulledImagesQuery';

/**
 * Selection `pulled`: digests pulled from live/ within the last N days, from the registry's
 * resource logs (a resource-context query on the registry: its diagnostic setting must send
 * ContainerRegistryRepositoryEvents to Log Analytics). Rows are data from outside: a row whose
 * repository is outside the prefix or whose digest is malformed is ignored and counted.
 */
export class LogAnalyticsLiveImages implements LiveImageSource {
    constructor(
        private readonly client: Pick<LogsQueryClient, 'queryResource'>,
        private readonly registryResourceId: string,
        private readonly livePrefix: string,
        private readonly withinDays: number,
        private readonly now: () => Date = () => new Date(),
    ) {}

    async listLiveImages(): Promise<{ images: LiveImage[]; ignored: number }> {
        const query = pulledImagesQuery(this.livePrefix, this.withinDays);
        // The timespan bounds the query on the service side too (the same window as ago() in the KQL).
        const endTime = this.now();
        const startTime = new Date(endTime.getTime() - this.withinDays * 86_400_000);
        // The SDK expands `/{+resourceId}/query` after `<endpoint>/v1`: without the leading slash the
        // path is the documented /v1/subscriptions/.../query (not //subscriptions).
        const result = await this.client.queryResource(this.registryResourceId.replace(/^\/+/, ''), query, { startTime, endTime }, { serverTimeoutInSeconds: 120 });
        if (result.status !== LogsQueryResultStatus.Success) {
            // Acting on part of the pulls would silently skip the rest until the next run: fail the run instead.
            throw new Error(`pull-log query returned a partial result: ${result.partialError.code ?? ''} ${result.partialError.message ?? ''}`.trim());
        }
        let ignored = 0;
        const images: LiveImage[] = [];
        for (const table of result.tables) {
            for (const row of rowsOf(table)) {
                const repository = row['Repository'];
                const digest = row['Digest'];
                const tag = row['Tag'];
                if (typeof repository !== 'string' || !repository.startsWith(this.livePrefix) || !isRepository(repository) || typeof digest !== 'string' || !isDigest(digest)) {
                    ignored++;
                    continue;
                }
                const lastPulled = row['LastPulled'];
                const at = lastPulled instanceof Date ? lastPulled : typeof lastPulled === 'string' ? new Date(lastPulled) : null;
                images.push({
                    repository,
                    digest,
                    tag: typeof tag === 'string' && isTag(tag) ? tag : null,
                    ...(at && !Number.isNaN(at.getTime()) ? { lastPulledAt: at } : {}),
                });
            }
        }
        return { images: uniqueByDigest(images), ignored };
    }
}

function* rowsOf(table: LogsTable): Generator<Record<string, unknown>> {
    const names = table.columnDescriptors.map((c) => c.name ?? '');
    for (const row of table.rows) {
        const record: Record<string, unknown> = {};
        names.forEach((name, i) => (record[name] = row[i]));
        yield record;
    }
}
