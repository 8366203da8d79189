import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTrivyReport, parseTrivyReportJson, readTrivyReportFile, TrivyReportError } from '../../shared/trivy/report';
import { summarizeReport } from '../../shared/trivy/summary';

const LENIENT = path.resolve(__dirname, '../fixtures/trivy/lenient-older-trivy.json');
const minimal = (results: unknown[]) => ({ SchemaVersion: 2, ArtifactName: 'a', Results: results });

describe('parseTrivyReport: tolerates what real reports do', () => {
    it('reads nulls, empty fixed versions, PURL-only package ids, config and license classes', async () => {
        const report = await readTrivyReportFile(LENIENT);
        expect(report.trivyVersion).toBeNull();
        expect(report.createdAt).toBeNull();
        expect(report.os).toEqual({ family: 'debian', name: '12.5', eosl: false });
        expect(report.repoDigests).toEqual(['contoso.azurecr.io/quarantine/web/api@sha256:' + '1'.repeat(64)]);
        expect(report.findings).toEqual([
            {
                vulnerabilityId: 'CVE-2024-0001', severity: 'HIGH', status: 'affected', pkgName: 'left-pad', pkgId: 'pkg:npm/left-pad@1.0.0', pkgPath: null,
                installedVersion: '1.0.0', fixedVersion: null, title: null, target: 'app/package-lock.json', resultClass: 'lang-pkgs', resultType: 'npm',
            },
            {
                vulnerabilityId: 'GHSA-aaaa-bbbb-cccc', severity: 'MEDIUM', status: null, pkgName: 'qs', pkgId: null, pkgPath: null,
                installedVersion: '6.0.0', fixedVersion: '6.0.4', title: null, target: 'app/package-lock.json', resultClass: 'lang-pkgs', resultType: 'npm',
            },
        ]);
        const summary = summarizeReport(report);
        expect(summary.vulnerabilities).toMatchObject({ total: 2, fixable: 1 });
        expect(summary.vulnerabilities.bySeverity.HIGH).toEqual({ total: 1, fixable: 0 });
        expect(summary.byClass).toEqual({
            'os-pkgs': { results: 1, vulnerabilities: 0, fixable: 0, secrets: 0, misconfigurations: 0 },
            'lang-pkgs': { results: 1, vulnerabilities: 2, fixable: 1, secrets: 0, misconfigurations: 1 },
            config: { results: 1, vulnerabilities: 0, fixable: 0, secrets: 0, misconfigurations: 2 },
            license: { results: 1, vulnerabilities: 0, fixable: 0, secrets: 0, misconfigurations: 0 },
        });
        expect(report.results.find((r) => r.class === 'license')?.licenseCount).toBe(1);
    });

    it('accepts a report with no Results at all (nothing scanned) as zero findings', () => {
        expect(parseTrivyReport({ SchemaVersion: 2, Results: null }).findings).toEqual([]);
        expect(parseTrivyReport({ SchemaVersion: 2 }).results).toEqual([]);
    });

    it('treats Metadata.OS with neither family nor name as no OS', () => {
        expect(parseTrivyReport({ SchemaVersion: 2, Metadata: { OS: {} } }).os).toBeNull();
    });
});

describe('parseTrivyReport: rejects what is not a report', () => {
    it.each([
        [null, /expected a JSON object, got null/],
        [[], /expected a JSON object, got an array/],
        ['{}', /expected a JSON object, got string/],
        [{ Results: [] }, /has no SchemaVersion/],
        [{ SchemaVersion: 1, Results: [] }, /SchemaVersion: expected SchemaVersion 2/],
        [{ SchemaVersion: '2' }, /SchemaVersion: expected SchemaVersion 2/],
    ])('%j', (input, message) => {
        expect(() => parseTrivyReport(input, 'x.json')).toThrow(TrivyReportError);
        expect(() => parseTrivyReport(input, 'x.json')).toThrow(message);
    });

    it('names the path of a bad vulnerability (no id, unknown severity) instead of guessing', () => {
        const bad = minimal([{ Class: 'os-pkgs', Vulnerabilities: [{ VulnerabilityID: 'CVE-1', Severity: 'HIGH' }, { PkgName: 'x', Severity: 'SEVERE' }] }]);
        let error: TrivyReportError | undefined;
        try {
            parseTrivyReport(bad, 'scan.json');
        } catch (err) {
            error = err as TrivyReportError;
        }
        expect(error).toBeInstanceOf(TrivyReportError);
        expect(error!.problems).toEqual([
            expect.stringMatching(/^Results\[0\]\.Vulnerabilities\[1\]\.VulnerabilityID: /),
            expect.stringMatching(/^Results\[0\]\.Vulnerabilities\[1\]\.Severity: expected one of CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN/),
        ]);
        expect(error!.message).toContain('scan.json is not a valid Trivy SchemaVersion 2 report');
    });

    it('reports text that is not JSON, and a missing file, naming the file', async () => {
        expect(() => parseTrivyReportJson('{"SchemaVersion": 2,', 'cut.json')).toThrow(/cut\.json is not JSON/);
        await expect(readTrivyReportFile(path.resolve(__dirname, 'no-such-report.json'))).rejects.toMatchObject({ code: 'ENOENT' });
    });

    it('parses the bytes of a file the same as its text', () => {
        const bytes = readFileSync(LENIENT);
        expect(parseTrivyReportJson(bytes)).toEqual(parseTrivyReportJson(bytes.toString('utf8')));
    });
});
