import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTrivyReport, parseTrivyReportJson, readTrivyReportFile, severityOf, TrivyReportError } from '../../shared/trivy/report';

// Issue 10: what real reports do that the parser got wrong. Real reports are read in place; the
// edge cases nobody published a sample of are small own fixtures in test/fixtures/trivy.
const SHARED = path.resolve(__dirname, '../../../shared/fixtures');
const TRIVY = path.join(SHARED, 'trivy');
const OWN = path.resolve(__dirname, '../fixtures/trivy');
const realReports = readdirSync(TRIVY).filter((f) => f.endsWith('.json'));
const readRaw = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

describe('a finding without Severity never counts as harmless', () => {
    it.each(realReports)('%s: with every Severity removed, VendorSeverity[SeveritySource] gives back what Trivy wrote', (name) => {
        const raw = readRaw(path.join(TRIVY, name));
        const original = parseTrivyReport(raw).findings.map((f) => f.severity);
        for (const result of raw.Results ?? []) for (const v of result.Vulnerabilities ?? []) delete v.Severity;
        expect(parseTrivyReport(raw).findings.map((f) => f.severity)).toEqual(original);
    });

    it('derives from SeveritySource, else the most severe vendor rating; an empty Severity is absent', async () => {
        const report = await readTrivyReportFile(path.join(OWN, 'vendor-severity-only.json'));
        expect(report.findings.map((f) => [f.vulnerabilityId, f.severity])).toEqual([
            ['CVE-2024-1000', 'CRITICAL'], // SeveritySource nvd: 4, not debian's 2
            ['CVE-2024-1001', 'HIGH'], // no source: the worst of debian 1 and ghsa 3
            ['CVE-2024-1002', 'LOW'], // Severity "" read as absent
        ]);
    });

    it('rejects a report whose finding has neither Severity nor a usable VendorSeverity, naming it', async () => {
        const file = path.join(OWN, 'no-severity.json');
        const error = await readTrivyReportFile(file).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TrivyReportError);
        expect((error as TrivyReportError).message).toContain(`${file} cannot be judged: 1 finding(s) carry no severity`);
        expect((error as TrivyReportError).problems).toEqual(['Results[0].Vulnerabilities[0].Severity: CVE-2024-1003 has no Severity and no usable VendorSeverity to derive it from']);
    });

    it.each(['copa-trivy_valid.json', 'copa-trivy_node_valid.json'])('copa %s (hand-trimmed, no severity at all) is rejected, not counted as UNKNOWN', (name) => {
        const file = path.join(SHARED, 'copa/trivy-inputs', name);
        expect(() => parseTrivyReport(readRaw(file), file)).toThrow(/cannot be judged: \d+ finding\(s\) carry no severity/);
    });

    it.each([
        [{}, null],
        [{ Severity: 'MEDIUM', VendorSeverity: { nvd: 4 } }, 'MEDIUM'],
        [{ SeveritySource: 'nvd', VendorSeverity: { nvd: 0 } }, 'UNKNOWN'],
        [{ SeveritySource: 'redhat', VendorSeverity: { nvd: 2 } }, 'MEDIUM'],
        [{ VendorSeverity: { nvd: 7, ghsa: 'HIGH' } }, null],
        [{ VendorSeverity: { nvd: 1.5 } }, null],
        [{ SeveritySource: '__proto__', VendorSeverity: {} }, null],
    ])('severityOf(%j) = %j', (v, expected) => {
        expect(severityOf(v as Parameters<typeof severityOf>[0])).toBe(expected);
    });
});

describe('empty digests, names and OS are "none", not values', () => {
    it('an empty RepoDigests / RepoTags entry is no entry; an empty ArtifactName is no name; Family "none" is no OS', async () => {
        const report = await readTrivyReportFile(path.join(OWN, 'no-digest-no-os.json'));
        expect(report.repoDigests).toEqual([]);
        expect(report.repoTags).toEqual([]);
        expect(report.artifactName).toBeNull();
        expect(report.os).toBeNull();
    });

    it('the real juice-shop report with its RepoDigests emptied keeps everything else', () => {
        const raw = readRaw(path.join(TRIVY, 'securecodebox-juice-shop-v12.10.2.json'));
        raw.Metadata.RepoDigests = [''];
        raw.Metadata.OS.Family = 'none';
        const report = parseTrivyReport(raw);
        expect(report.repoDigests).toEqual([]);
        expect(report.os).toBeNull();
        expect(report.findings).toHaveLength(182);
    });
});

describe('a UTF-8 byte-order mark is accepted', () => {
    it('a real report with a BOM parses the same as without', () => {
        const bytes = readFileSync(path.join(TRIVY, 'debian-buster.golden.json'));
        const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
        expect(parseTrivyReportJson(withBom)).toEqual(parseTrivyReportJson(bytes));
        expect(parseTrivyReportJson(`\uFEFF${bytes.toString('utf8')}`)).toEqual(parseTrivyReportJson(bytes));
    });

    it('a report file written with a BOM', async () => {
        const report = await readTrivyReportFile(path.join(OWN, 'bom.json'));
        expect(report.artifactName).toBe('contoso.azurecr.io/quarantine/web/bom:1.0');
    });

    it('a BOM anywhere but the start is still not JSON', () => {
        expect(() => parseTrivyReportJson(' \uFEFF{"SchemaVersion": 2}', 'x.json')).toThrow(/x\.json is not JSON/);
    });
});
