import type { TableEntity } from '@azure/data-tables';
import type { VerdictOutcome, VerdictReason } from '../policy/verdict';
import { SEVERITIES, type Severity } from '../trivy/finding';
import { capString, MAX_STRING_PROPERTY_CHARS, optionalString, parseJson, requiredString, toDate, toNumber, withoutNulls } from './entityValues';
import type { FindingCounts, ScanSummary, SeverityCount } from './scanResultStore';
import { encodeKeyPart } from './tableKeys';

/** Summaries: PartitionKey = encoded digest, RowKey = `summary` (one entity per image digest). */
export const SUMMARY_ROW = 'summary';
export const summaryPartition = (digest: string) => encodeKeyPart(digest);

const OUTCOMES: readonly VerdictOutcome[] = ['pass', 'fail', 'error'];
const MAX_TAGS_JSON = 16_000;

/**
 * Verdict reasons go in one string property (at most 32,768 UTF-16 characters). A policy can name
 * thousands of vulnerability ids; when the JSON would not fit, the id lists are cut (and the
 * summary says so) rather than failing the write: the full list is in the vulnerability rows.
 */
export function encodeReasons(reasons: readonly VerdictReason[]): { json: string; truncated: boolean } {
    const full = JSON.stringify(reasons);
    if (full.length <= MAX_STRING_PROPERTY_CHARS) return { json: full, truncated: false };
    for (const keep of [200, 20, 0]) {
        const cut = reasons.map((r) => ({
            code: capString(r.code, 200),
            message: capString(r.message, 2000),
            ...(r.vulnerabilityIds ? { vulnerabilityIds: r.vulnerabilityIds.slice(0, keep) } : {}),
        }));
        const json = JSON.stringify(cut);
        if (json.length <= MAX_STRING_PROPERTY_CHARS) return { json, truncated: true };
    }
    return { json: JSON.stringify(reasons.slice(0, 10).map((r) => ({ code: capString(r.code, 200), message: capString(r.message, 1000) }))), truncated: true };
}

/** Adds a tag to the set seen, oldest first; drops the oldest when the set outgrows its property. */
export function mergeTags(seen: readonly string[], tags: readonly (string | null)[]): string[] {
    const merged = [...seen];
    for (const tag of tags) if (tag !== null && !merged.includes(tag)) merged.push(tag);
    while (merged.length > 1 && JSON.stringify(merged).length > MAX_TAGS_JSON) merged.shift();
    return merged;
}

const countKey = (s: Severity, kind: 'Total' | 'Fixable') => `${s.toLowerCase()}${kind}`;

export function summaryEntity(summary: ScanSummary): TableEntity {
    const reasons = encodeReasons(summary.verdict.reasons);
    const lastErrorReasons = summary.lastError ? encodeReasons(summary.lastError.reasons).json : null;
    const counts: Record<string, number> = {};
    for (const s of SEVERITIES) {
        counts[countKey(s, 'Total')] = summary.counts.bySeverity[s].total;
        counts[countKey(s, 'Fixable')] = summary.counts.bySeverity[s].fixable;
    }
    return withoutNulls({
        partitionKey: summaryPartition(summary.digest),
        rowKey: SUMMARY_ROW,
        registry: summary.registry,
        repository: summary.repository,
        digest: summary.digest,
        tagsSeen: JSON.stringify(summary.tagsSeen),
        outcome: summary.verdict.outcome,
        reasons: reasons.json,
        reasonsTruncated: reasons.truncated || summary.reasonsTruncated,
        scanId: capString(summary.scanId, 1024),
        scannedAt: summary.scannedAt,
        scannerName: capString(summary.scanner.name, 256),
        scannerVersion: summary.scanner.version === null ? null : capString(summary.scanner.version, 256),
        dbVersion: summary.scanner.dbVersion === null ? null : capString(summary.scanner.dbVersion, 256),
        // Read by Trivy from the image's own os-release: as untrusted as any report text.
        osFamily: summary.os ? capString(summary.os.family, 256) : null,
        osName: summary.os ? capString(summary.os.name, 256) : null,
        eosl: summary.os?.eosl ?? null,
        total: summary.counts.total,
        fixable: summary.counts.fixable,
        ...counts,
        findingRows: summary.findingRows,
        generation: summary.generation,
        previousOutcome: summary.previous?.outcome ?? null,
        previousScanId: summary.previous?.scanId ?? null,
        previousScannedAt: summary.previous?.scannedAt ?? null,
        lastErrorScanId: summary.lastError ? capString(summary.lastError.scanId, 1024) : null,
        lastErrorAt: summary.lastError?.at ?? null,
        lastErrorReasons,
        recordedAt: summary.recordedAt,
    });
}

export function scanSummary(entity: Record<string, unknown>): ScanSummary {
    const bySeverity = Object.fromEntries(
        SEVERITIES.map((s) => [s, { total: toNumber(entity[countKey(s, 'Total')]), fixable: toNumber(entity[countKey(s, 'Fixable')]) }]),
    ) as Record<Severity, SeverityCount>;
    const counts: FindingCounts = { total: toNumber(entity.total), fixable: toNumber(entity.fixable), bySeverity };
    const outcome = OUTCOMES.includes(entity.outcome as VerdictOutcome) ? (entity.outcome as VerdictOutcome) : 'error';
    const osFamily = optionalString(entity.osFamily);
    const previousOutcome = optionalString(entity.previousOutcome) as VerdictOutcome | null;
    const lastErrorScanId = optionalString(entity.lastErrorScanId);
    return {
        registry: requiredString(entity.registry, 'registry'),
        repository: requiredString(entity.repository, 'repository'),
        digest: requiredString(entity.digest, 'digest'),
        tagsSeen: parseJson<string[]>(entity.tagsSeen, []),
        verdict: { outcome, reasons: parseJson<VerdictReason[]>(entity.reasons, []) },
        reasonsTruncated: entity.reasonsTruncated === true,
        scanId: requiredString(entity.scanId, 'scanId'),
        scannedAt: toDate(entity.scannedAt),
        scanner: {
            name: requiredString(entity.scannerName, 'scannerName'),
            version: optionalString(entity.scannerVersion),
            dbVersion: optionalString(entity.dbVersion),
        },
        os: osFamily === null ? null : { family: osFamily, name: optionalString(entity.osName) ?? '', eosl: entity.eosl === true },
        counts,
        findingRows: toNumber(entity.findingRows),
        generation: optionalString(entity.generation),
        previous:
            previousOutcome === null
                ? null
                : { outcome: previousOutcome, scanId: optionalString(entity.previousScanId) ?? '', scannedAt: toDate(entity.previousScannedAt) },
        lastError:
            lastErrorScanId === null
                ? null
                : { scanId: lastErrorScanId, at: toDate(entity.lastErrorAt), reasons: parseJson<VerdictReason[]>(entity.lastErrorReasons, []) },
        recordedAt: toDate(entity.recordedAt),
    };
}
