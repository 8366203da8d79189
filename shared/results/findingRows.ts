import type { TableEntity } from '@azure/data-tables';
import { isFixable, SEVERITIES, type Finding, type Severity } from '../trivy/finding';
import { capString, optionalString, requiredString, toNumber, toSeverity, withoutNulls } from './entityValues';
import type { StoredFinding } from './scanResultStore';
import { encodeKeyPart, joinKey, shortHash } from './tableKeys';

/**
 * Vulnerability rows: partition = the encoded image digest, row key =
 * `<generation>~<encoded vulnerability id>~<location hash>` where the location hash is 16 hex digits
 * of SHA-256 over (target, result class, PkgID, PkgPath, package name, installed version).
 *
 * Real reports repeat one vulnerability, package and version at different paths (juice-shop's
 * node_modules): the path and PkgID go into the hash, so those stay separate rows. Entries that are
 * identical in all of these are merged deliberately into one row with `occurrences` = how many there
 * were, so a batch never fails on a duplicate key and counts still add up to Trivy's.
 */
export interface FindingRow {
    /** `<encoded vulnerability id>~<location hash>`: the generation-free identity of the row. */
    readonly identity: string;
    readonly finding: Finding;
    readonly occurrences: number;
}

export function findingIdentity(f: Finding): string {
    const location = JSON.stringify([f.target, f.resultClass, f.pkgId, f.pkgPath, f.pkgName, f.installedVersion]);
    return joinKey(encodeKeyPart(f.vulnerabilityId), shortHash(location));
}

export function groupFindings(findings: readonly Finding[]): FindingRow[] {
    const rows = new Map<string, { finding: Finding; occurrences: number }>();
    for (const finding of findings) {
        const identity = findingIdentity(finding);
        const seen = rows.get(identity);
        if (seen) {
            seen.occurrences += 1;
            // Keep the most severe reading if Trivy ever disagrees with itself on a duplicate.
            if (SEVERITIES.indexOf(finding.severity) < SEVERITIES.indexOf(seen.finding.severity)) seen.finding = finding;
        } else {
            rows.set(identity, { finding, occurrences: 1 });
        }
    }
    return [...rows].map(([identity, v]) => ({ identity, finding: v.finding, occurrences: v.occurrences }));
}

const TEXT = 1024;

/**
 * The generation lives only in the row key and the scan id only on the summary: every property
 * less is work saved on each of thousands of rows.
 */
export function findingEntity(partitionKey: string, generation: string, row: FindingRow, newRank: number | null = null): TableEntity {
    const f = row.finding;
    const cap = (s: string | null) => (s === null ? null : capString(s, TEXT));
    return withoutNulls({
        partitionKey,
        rowKey: joinKey(generation, row.identity),
        vulnerabilityId: cap(f.vulnerabilityId),
        severity: f.severity,
        status: cap(f.status),
        pkgName: cap(f.pkgName),
        pkgId: cap(f.pkgId),
        pkgPath: cap(f.pkgPath),
        installedVersion: cap(f.installedVersion),
        fixedVersion: cap(f.fixedVersion),
        fixable: isFixable(f),
        title: f.title === null ? null : capString(f.title, 512),
        target: cap(f.target),
        resultClass: cap(f.resultClass),
        resultType: cap(f.resultType),
        occurrences: row.occurrences,
        // Set only on rows new since the previous good scan: their order among the new rows (report order).
        newRank,
    });
}

export function storedFinding(entity: Record<string, unknown>): StoredFinding {
    return {
        vulnerabilityId: requiredString(entity.vulnerabilityId, 'vulnerabilityId'),
        severity: toSeverity(entity.severity),
        status: optionalString(entity.status),
        pkgName: requiredString(entity.pkgName, 'pkgName'),
        pkgId: optionalString(entity.pkgId),
        pkgPath: optionalString(entity.pkgPath),
        installedVersion: requiredString(entity.installedVersion, 'installedVersion'),
        fixedVersion: optionalString(entity.fixedVersion),
        title: optionalString(entity.title),
        target: requiredString(entity.target, 'target'),
        resultClass: requiredString(entity.resultClass, 'resultClass'),
        resultType: optionalString(entity.resultType),
        occurrences: toNumber(entity.occurrences),
    };
}

export const moreSevere = (a: Severity, b: Severity): Severity => (SEVERITIES.indexOf(a) <= SEVERITIES.indexOf(b) ? a : b);
