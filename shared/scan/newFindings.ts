import { capString } from '../results/entityValues';
import type { Finding } from '../trivy/finding';

// Stored rows cut free text at 1,024 characters (shared/results/findingRows.ts): compare cut values.
const cut = (v: string | null) => (v === null ? '' : capString(v, 1024));

/** Which occurrence of which vulnerability a finding is: the same digest always has the same packages. */
export function findingIdentity(f: Pick<Finding, 'vulnerabilityId' | 'pkgName' | 'pkgId' | 'pkgPath' | 'installedVersion' | 'target'>): string {
    return JSON.stringify([cut(f.vulnerabilityId).toUpperCase(), cut(f.pkgName), cut(f.pkgId), cut(f.pkgPath), cut(f.installedVersion), cut(f.target)]);
}

/** Findings of `current` whose identity is not among `previous` (report order kept). */
export function newFindingsSince(current: readonly Finding[], previous: readonly Finding[]): Finding[] {
    const known = new Set(previous.map(findingIdentity));
    return current.filter((f) => !known.has(findingIdentity(f)));
}
