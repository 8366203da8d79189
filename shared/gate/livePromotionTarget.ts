import { checkRepository } from '../oci/reference';

export interface GatePrefixes {
    /** e.g. `quarantine/` */
    readonly quarantinePrefix: string;
    /** e.g. `live/` */
    readonly livePrefix: string;
}

/**
 * `quarantine/NAME` → `live/NAME`: the repository a quarantined image is promoted into. Null when
 * the repository is not under the quarantine prefix (nothing else is ever promoted) or the result
 * would not be a valid repository name.
 */
export function liveRepositoryFor(sourceRepository: string, prefixes: GatePrefixes): string | null {
    if (!sourceRepository.startsWith(prefixes.quarantinePrefix)) return null;
    const name = sourceRepository.slice(prefixes.quarantinePrefix.length);
    if (name.length === 0) return null;
    const target = `${prefixes.livePrefix}${name}`;
    return checkRepository(target).ok ? target : null;
}
