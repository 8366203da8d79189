import { RegistryError, type Registry } from '../registry/registry';
import { RepositoryNotFoundError, type TagSource } from './tagSource';

/**
 * The planner's TagSource over the live registry: `Registry.listTags` walks ACR's paged
 * `GET /acr/v1/{repo}/_tags?n=…&last=…` (one request per page, never per tag, like acr-cli).
 * A missing repository becomes RepositoryNotFoundError, so the plan lists its tags as "do not
 * exist" like ACR. Every tag is checked against the OCI grammar by the planner's consumers
 * before it reaches a message or a task.
 */
export function registryTagSource(registry: Pick<Registry, 'listTags'>): TagSource {
    return {
        async *listTags(repository: string): AsyncIterable<string> {
            let tags;
            try {
                tags = await registry.listTags(repository);
            } catch (err) {
                if (err instanceof RegistryError && err.code === 'not-found') throw new RepositoryNotFoundError(repository);
                throw err;
            }
            for (const tag of tags) yield tag.name;
        },
    };
}
