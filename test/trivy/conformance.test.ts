import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SEVERITIES } from '../../shared/trivy/finding';
import { parseTrivyReport } from '../../shared/trivy/report';
import { summarizeReport } from '../../shared/trivy/summary';

// Real reports, read in place from the shared fixtures beside the repository (never copied in).
const FIXTURES = path.resolve(__dirname, '../../../shared/fixtures');
// copa's hand-trimmed inputs carry findings without any severity: they are refused (realReportEdges.test.ts).
const DIRS = [path.join(FIXTURES, 'trivy')];
const reports = DIRS.flatMap((dir) =>
    readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => [path.relative(FIXTURES, path.join(dir, f)), path.join(dir, f)] as const),
);

/** Counts computed straight from the raw JSON, independently of the parser. */
function rawCounts(raw: any) {
    const bySeverity: Record<string, { total: number; fixable: number }> = {};
    for (const s of SEVERITIES) bySeverity[s] = { total: 0, fixable: 0 };
    let total = 0;
    let fixable = 0;
    const classes: Record<string, number> = {};
    for (const result of raw.Results ?? []) {
        classes[result.Class] = (classes[result.Class] ?? 0) + 1;
        for (const v of result.Vulnerabilities ?? []) {
            const sev = v.Severity;
            const fix = typeof v.FixedVersion === 'string' && v.FixedVersion.trim() !== '';
            total++;
            bySeverity[sev]!.total++;
            if (fix) {
                fixable++;
                bySeverity[sev]!.fixable++;
            }
        }
    }
    const os = raw.Metadata?.OS && raw.Metadata.OS.Family !== 'none' ? { family: raw.Metadata.OS.Family, name: raw.Metadata.OS.Name, eosl: raw.Metadata.OS.EOSL === true } : null;
    return { total, fixable, bySeverity, classes, os, results: (raw.Results ?? []).length };
}

describe('Trivy report conformance (every shared fixture report)', () => {
    it('finds the fixture reports', () => {
        expect(reports.length).toBe(15);
    });

    it.each(reports)('%s: counts match the raw JSON', (_name, file) => {
        const raw = JSON.parse(readFileSync(file, 'utf8'));
        const expected = rawCounts(raw);
        const report = parseTrivyReport(raw, file);
        const summary = summarizeReport(report);

        expect(report.findings).toHaveLength(expected.total);
        expect(summary.vulnerabilities.total).toBe(expected.total);
        expect(summary.vulnerabilities.fixable).toBe(expected.fixable);
        expect(summary.vulnerabilities.bySeverity).toEqual(expected.bySeverity);
        expect(summary.os).toEqual(expected.os);
        expect(report.results).toHaveLength(expected.results);
        expect(Object.fromEntries(Object.entries(summary.byClass).map(([c, v]) => [c, v.results]))).toEqual(expected.classes);
        expect(report.artifactName).toBe(raw.ArtifactName);
        expect(report.trivyVersion).toBe(raw.Trivy?.Version ?? null);
        expect(report.createdAt).toBe(raw.CreatedAt ?? null);
        // Every finding carries where it came from.
        for (const f of report.findings) {
            expect(f.vulnerabilityId).not.toBe('');
            expect(SEVERITIES).toContain(f.severity);
            expect(f.resultClass).not.toBe('');
        }
    });
});

describe('hand-checked expectations from PROVENANCE.md', () => {
    const load = (name: string) => summarizeReport(parseTrivyReport(JSON.parse(readFileSync(path.join(FIXTURES, 'trivy', name), 'utf8'))));

    it('juice-shop: 182 vulnerabilities, 170 fixable, EOSL alpine 3.11.12, no Trivy version key', () => {
        const file = path.join(FIXTURES, 'trivy/securecodebox-juice-shop-v12.10.2.json');
        const report = parseTrivyReport(JSON.parse(readFileSync(file, 'utf8')));
        const s = summarizeReport(report);
        expect(s.os).toEqual({ family: 'alpine', name: '3.11.12', eosl: true });
        expect(s.vulnerabilities.total).toBe(182);
        expect(s.vulnerabilities.fixable).toBe(170);
        expect(s.vulnerabilities.bySeverity.CRITICAL.total).toBe(28);
        expect(s.vulnerabilities.bySeverity.HIGH.total).toBe(100);
        expect(s.vulnerabilities.bySeverity.MEDIUM.total).toBe(48);
        expect(s.vulnerabilities.bySeverity.LOW.total).toBe(6);
        expect(s.vulnerabilities.bySeverity.UNKNOWN.total).toBe(0);
        expect(report.findings.filter((f) => f.status === 'affected')).toHaveLength(12);
        expect(report.trivyVersion).toBeNull();
        expect(s.byClass['os-pkgs']?.vulnerabilities).toBe(21);
        expect(s.byClass['lang-pkgs']?.vulnerabilities).toBe(161);
        expect(s.byClass.secret).toMatchObject({ results: 3, vulnerabilities: 0 });
        expect(s.byClass.secret!.secrets).toBeGreaterThan(0);
        expect(report.results.filter((r) => r.class === 'secret').every((r) => r.type === null)).toBe(true);
        expect(report.repoDigests.length).toBeGreaterThan(0);
    });

    it('juice-shop: the same vulnerability, package and version at different paths stay separate findings', () => {
        const file = path.join(FIXTURES, 'trivy/securecodebox-juice-shop-v12.10.2.json');
        const raw = JSON.parse(readFileSync(file, 'utf8'));
        const paths = new Map<string, string[]>();
        for (const r of raw.Results) {
            for (const v of r.Vulnerabilities ?? []) {
                const key = `${v.VulnerabilityID} ${v.PkgName} ${v.InstalledVersion}`;
                paths.set(key, [...(paths.get(key) ?? []), v.PkgPath]);
            }
        }
        const repeated = [...paths].filter(([, p]) => p.length > 1);
        expect(repeated.length).toBeGreaterThan(0);
        const report = parseTrivyReport(raw);
        for (const [key, rawPaths] of repeated) {
            const found = report.findings.filter((f) => `${f.vulnerabilityId} ${f.pkgName} ${f.installedVersion}` === key);
            expect(found.map((f) => f.pkgPath).sort()).toEqual([...rawPaths].sort());
        }
    });

    it.each([
        ['alpine-310.golden.json', { family: 'alpine', name: '3.10.2', eosl: true }, 4],
        ['opensuse-leap-151.golden.json', { family: 'opensuse-leap', name: '15.1', eosl: true }, 2],
        ['amazon-2.golden.json', { family: 'amazon', name: '2 (Karoo)', eosl: false }, 2],
        ['mariner-1.0.golden.json', { family: 'cbl-mariner', name: '1.0', eosl: false }, 2],
        ['ubuntu-1804.golden.json', { family: 'ubuntu', name: '18.04', eosl: false }, 5],
    ])('%s: OS and count', (name, os, total) => {
        const s = load(name);
        expect(s.os).toEqual(os);
        expect(s.vulnerabilities.total).toBe(total);
    });

    it('busybox-with-lockfile: no OS detected, cargo language packages only', () => {
        const s = load('busybox-with-lockfile.golden.json');
        expect(s.os).toBeNull();
        expect(Object.keys(s.byClass)).toEqual(['lang-pkgs']);
        expect(s.vulnerabilities.total).toBe(2);
    });

    it.each(['sl-micro-rancher5.4.golden.json', 'cns-website-alpine-3.17-novulns.json'])('%s: a Result without a Vulnerabilities key is a clean scan', (name) => {
        const s = load(name);
        expect(s.vulnerabilities.total).toBe(0);
        expect(s.byClass['os-pkgs']).toMatchObject({ results: 1, vulnerabilities: 0 });
    });

    it('debian-buster: an unfixed vulnerability is not fixable', () => {
        const s = load('debian-buster.golden.json');
        expect(s.vulnerabilities.bySeverity.CRITICAL.total + s.vulnerabilities.bySeverity.LOW.total).toBe(2);
        expect(s.vulnerabilities.fixable).toBe(1);
    });

    it('spring4shell: a custom Result without Type is kept, with its resources counted', () => {
        const file = path.join(FIXTURES, 'trivy/spring4shell-jre11.golden.json');
        const report = parseTrivyReport(JSON.parse(readFileSync(file, 'utf8')));
        const custom = report.results.find((r) => r.class === 'custom');
        expect(custom).toMatchObject({ type: null, vulnerabilityCount: 0 });
        expect(custom!.customResourceCount).toBeGreaterThan(0);
        expect(report.findings).toHaveLength(1);
        expect(report.findings[0]).toMatchObject({ vulnerabilityId: 'CVE-2022-22965', severity: 'CRITICAL', resultClass: 'lang-pkgs', resultType: 'jar', fixedVersion: '5.3.18' });
    });

    it('copa trivy_valid: a vulnerability without any severity is refused, never counted as UNKNOWN', () => {
        const file = path.join(FIXTURES, 'copa/trivy-inputs/copa-trivy_valid.json');
        expect(() => parseTrivyReport(JSON.parse(readFileSync(file, 'utf8')), file)).toThrow('Results[0].Vulnerabilities[0].Severity: CVE-2021-36159 has no Severity');
    });
});
