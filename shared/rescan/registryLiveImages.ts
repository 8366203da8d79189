import type { Registry } from '../registry/registry';
import { uniqueByDigest, type LiveImage, type LiveImageSource } from './liveImage';

/**
 * Selection `all`: every digest currently tagged under the live prefix, from the registry's data
 * plane (catalog and tag listings, both paged by the adapter). Untagged manifests are not live:
 * nothing can pull them by tag, and consumers are expected to pull `live/` by tag or digest of a tag.
 */
export class RegistryLiveImages implements LiveImageSource {
    constructor(
        private readonly registry: Pick<Registry, 'listRepositories' | 'listTags'>,
        private readonly livePrefix: string,
    ) {}

    async listLiveImages(): Promise<{ images: LiveImage[]; ignored: number }> {
        const repositories = (await this.registry.listRepositories()).filter((r) => r.startsWith(this.livePrefix)).sort();
        const images: LiveImage[] = [];
        for (const repository of repositories) {
            const tags = await this.registry.listTags(repository);
            for (const t of [...tags].sort((a, b) => a.name.localeCompare(b.name))) images.push({ repository, digest: t.digest, tag: t.name });
        }
        const unique = uniqueByDigest(images);
        return { images: unique, ignored: 0 };
    }
}
