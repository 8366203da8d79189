import { TableClient } from '@azure/data-tables';
import { randomBytes } from 'node:crypto';
import type { Verdict } from '../../shared/policy/verdict';
import type { ScanRecord } from '../../shared/results/scanResultStore';
import { TableScanResultStore, type TableScanResultStoreOptions } from '../../shared/results/tableScanResultStore';
import { RoundTripCounter } from '../support/roundTripCounter';
import type { Finding } from '../../shared/trivy/finding';

/** A store on three fresh tables (random names) of the test Azurite. */
export async function freshStore(connectionString: string, options: TableScanResultStoreOptions = {}) {
    const suffix = randomBytes(4).toString('hex');
    const names = { summaries: `sum${suffix}`, findings: `fnd${suffix}`, index: `idx${suffix}` };
    const client = (name: string) => TableClient.fromConnectionString(connectionString, name, { allowInsecureConnection: true });
    await Promise.all(Object.values(names).map((name) => client(name).createTable()));
    // The store's clients count their round trips (a pipeline policy of the test's, not the store's).
    const trips = { summaries: new RoundTripCounter(), findings: new RoundTripCounter(), index: new RoundTripCounter() };
    const store = new TableScanResultStore(
        { summaries: trips.summaries.attach(client(names.summaries)), findings: trips.findings.attach(client(names.findings)), index: trips.index.attach(client(names.index)) },
        options,
    );
    // A separate, uninstrumented client to look at the raw rows behind the store.
    const rawFindings = TableClient.fromConnectionString(connectionString, names.findings, { allowInsecureConnection: true });
    const rawIndex = TableClient.fromConnectionString(connectionString, names.index, { allowInsecureConnection: true });
    return { store, trips, names, rawFindings, rawIndex };
}

export const randomDigest = () => `sha256:${randomBytes(32).toString('hex')}`;

export const failVerdict: Verdict = { outcome: 'fail', reasons: [{ code: 'blocked-vulnerabilities', message: 'fixable CRITICAL found', vulnerabilityIds: ['CVE-2021-44906'] }] };
export const passVerdict: Verdict = { outcome: 'pass', reasons: [] };

export function scanOf(digest: string, findings: readonly Finding[], overrides: Partial<ScanRecord> = {}): ScanRecord {
    return {
        registry: 'contoso.azurecr.io',
        repository: 'quarantine/juice-shop',
        digest,
        tag: 'v12.10.2',
        scanId: `scan-${randomBytes(4).toString('hex')}`,
        scannedAt: new Date('2026-11-01T10:00:00Z'),
        scanner: { name: 'trivy', version: '0.58.1', dbVersion: '2026-11-01T06:00:00Z' },
        os: { family: 'alpine', name: '3.11.12', eosl: true },
        verdict: failVerdict,
        findings,
        ...overrides,
    };
}

export async function countRows(client: TableClient, partitionKey?: string): Promise<number> {
    let n = 0;
    const filter = partitionKey === undefined ? undefined : `PartitionKey eq '${partitionKey.replace(/'/g, "''")}'`;
    for await (const _ of client.listEntities({ queryOptions: { ...(filter ? { filter } : {}), select: ['RowKey'] } })) n++;
    return n;
}
