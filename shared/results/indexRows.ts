import type { TableEntity } from '@azure/data-tables';
import { isFixable } from '../trivy/finding';
import { capString, parseJson, requiredString, toDate, toNumber, toSeverity } from './entityValues';
import { moreSevere, type FindingRow } from './findingRows';
import type { ImageWithVulnerability, ScanRecord } from './scanResultStore';
import { encodeKeyPart, indexPartition, joinKey, rowKeyRange } from './tableKeys';

/**
 * The vulnerability index: one row per (vulnerability id, image digest).
 *   PartitionKey = `vuln-NN`, a bucket chosen by a hash of the vulnerability id (INDEX_BUCKETS of them)
 *   RowKey       = `<encoded vulnerability id>~<encoded digest>`
 * "Which images carry X?" reads partition indexPartition(X), RowKey in [`X~`, `X~~`): one query.
 * Writing one image's index costs at most one batch per bucket per 100 ids (a partition per id would
 * cost one request per distinct id: 1,000+ for a large report).
 */
export interface IndexRow {
    readonly partitionKey: string;
    readonly rowKey: string;
    readonly vulnerabilityId: string;
}

export function indexKeys(vulnerabilityId: string, digest: string): IndexRow {
    return {
        partitionKey: indexPartition(vulnerabilityId),
        rowKey: joinKey(encodeKeyPart(vulnerabilityId), encodeKeyPart(digest)),
        vulnerabilityId,
    };
}

export function indexQuery(vulnerabilityId: string): { partitionKey: string; from: string; to: string } {
    return { partitionKey: indexPartition(vulnerabilityId), ...rowKeyRange(encodeKeyPart(vulnerabilityId)) };
}

const MAX_PACKAGES = 50;

/** One index entity per distinct vulnerability id in the scan. */
export function indexEntities(scan: ScanRecord, generation: string, rows: readonly FindingRow[]): TableEntity[] {
    const byId = new Map<string, { rows: FindingRow[] }>();
    for (const row of rows) {
        const slot = byId.get(row.finding.vulnerabilityId) ?? { rows: [] };
        slot.rows.push(row);
        byId.set(row.finding.vulnerabilityId, slot);
    }
    return [...byId].map(([vulnerabilityId, { rows: same }]) => {
        const packages = [...new Set(same.map((r) => `${r.finding.pkgName}@${r.finding.installedVersion}`))];
        return {
            ...indexKeys(vulnerabilityId, scan.digest),
            vulnerabilityId: capString(vulnerabilityId, 1024),
            digest: scan.digest,
            registry: scan.registry,
            repository: scan.repository,
            severity: same.map((r) => r.finding.severity).reduce(moreSevere),
            fixable: same.some((r) => isFixable(r.finding)),
            packages: capString(JSON.stringify(packages.slice(0, MAX_PACKAGES).map((p) => capString(p, 256))), 30_000),
            occurrences: same.reduce((n, r) => n + r.occurrences, 0),
            generation,
            scanId: capString(scan.scanId, 1024),
            scannedAt: scan.scannedAt,
        };
    });
}

export function imageWithVulnerability(entity: Record<string, unknown>): ImageWithVulnerability {
    return {
        vulnerabilityId: requiredString(entity.vulnerabilityId, 'vulnerabilityId'),
        digest: requiredString(entity.digest, 'digest'),
        registry: requiredString(entity.registry, 'registry'),
        repository: requiredString(entity.repository, 'repository'),
        severity: toSeverity(entity.severity),
        fixable: entity.fixable === true,
        packages: parseJson<string[]>(entity.packages, []),
        occurrences: toNumber(entity.occurrences),
        scanId: requiredString(entity.scanId, 'scanId'),
        scannedAt: toDate(entity.scannedAt),
    };
}
