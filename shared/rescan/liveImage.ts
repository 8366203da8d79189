/** One image digest a selection found in live/, with where it was seen. */
export interface LiveImage {
    readonly repository: string;
    readonly digest: string;
    /** A tag it carries (registry listing) or was pulled by (logs), when known. */
    readonly tag: string | null;
    /** When it was last pulled (pull-log selection only). */
    readonly lastPulledAt?: Date;
}

/** Where candidate images come from: the registry's inventory, or its pull logs. */
export interface LiveImageSource {
    /** One entry per digest (a digest tagged in two repositories is scanned once: results are per digest). */
    listLiveImages(): Promise<{ images: LiveImage[]; ignored: number }>;
}

/** Keeps the first sighting of each digest, in order. */
export function uniqueByDigest(images: Iterable<LiveImage>): LiveImage[] {
    const seen = new Map<string, LiveImage>();
    for (const image of images) if (!seen.has(image.digest)) seen.set(image.digest, image);
    return [...seen.values()];
}
