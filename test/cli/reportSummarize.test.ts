import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main';
import { reportSummarize } from '../../cli/reportSummarize';
import { memoryIo } from './memoryIo';

const TRIVY = path.resolve(__dirname, '../../../shared/fixtures/trivy');

describe('acr-guard report summarize', () => {
    it('real-report edge cases: Family "none" is os null, a BOM is read, severities come from VendorSeverity, none at all is refused', async () => {
        const own = (name: string) => path.resolve(__dirname, '../fixtures/trivy', name);
        const noOs = memoryIo();
        expect(await reportSummarize([own('no-digest-no-os.json')], noOs.io)).toBe(0);
        expect(JSON.parse(noOs.stdout()).os).toBeNull();
        const bom = memoryIo();
        expect(await reportSummarize([own('bom.json')], bom.io)).toBe(0);
        expect(JSON.parse(bom.stdout()).artifact.name).toBe('contoso.azurecr.io/quarantine/web/bom:1.0');
        const vendor = memoryIo();
        expect(await reportSummarize([own('vendor-severity-only.json')], vendor.io)).toBe(0);
        expect(JSON.parse(vendor.stdout()).vulnerabilities.bySeverity).toMatchObject({ CRITICAL: { total: 1 }, HIGH: { total: 1 }, LOW: { total: 1 }, UNKNOWN: { total: 0 } });
        const refused = memoryIo();
        expect(await reportSummarize([own('no-severity.json')], refused.io)).toBe(2);
        expect(refused.stderr()).toContain('CVE-2024-1003 has no Severity and no usable VendorSeverity');
    });

    it('prints the issue\'s JSON for the juice-shop report', async () => {
        const m = memoryIo();
        expect(await reportSummarize([path.join(TRIVY, 'securecodebox-juice-shop-v12.10.2.json')], m.io)).toBe(0);
        const summary = JSON.parse(m.stdout());
        expect(summary.os).toEqual({ family: 'alpine', name: '3.11.12', eosl: true });
        expect(summary.vulnerabilities).toEqual({
            total: 182,
            fixable: 170,
            bySeverity: {
                CRITICAL: { total: 28, fixable: expect.any(Number) },
                HIGH: { total: 100, fixable: expect.any(Number) },
                MEDIUM: { total: 48, fixable: expect.any(Number) },
                LOW: { total: 6, fixable: expect.any(Number) },
                UNKNOWN: { total: 0, fixable: 0 },
            },
        });
        const fixable = Object.values(summary.vulnerabilities.bySeverity as Record<string, { fixable: number }>).reduce((n, s) => n + s.fixable, 0);
        expect(fixable).toBe(170);
        expect(Object.keys(summary.byClass)).toEqual(['os-pkgs', 'lang-pkgs', 'secret']);
        expect(m.stderr()).toBe('');
    });

    it('prints os null when no OS was detected', async () => {
        const m = memoryIo();
        expect(await main(['report', 'summarize', path.join(TRIVY, 'busybox-with-lockfile.golden.json')], m.io)).toBe(0);
        expect(JSON.parse(m.stdout())).toMatchObject({ os: null, vulnerabilities: { total: 2, fixable: 2 } });
    });

    it.each([
        [['/no/such/report.json'], /no such file/],
        [[path.resolve(__dirname, '../fixtures/policy/teams.policy.json')], /has no SchemaVersion/],
        [[TRIVY], /is a directory/],
        [[], /expected one report FILE, got 0/],
        [['a.json', 'b.json'], /expected one report FILE, got 2/],
        [['--bogus', 'a.json'], /Unknown option '--bogus'/],
    ])('exits 2 with a message for %j', async (argv, message) => {
        const m = memoryIo();
        expect(await reportSummarize(argv, m.io)).toBe(2);
        expect(m.stderr()).toMatch(message);
        expect(m.stdout()).toBe('');
    });

    it('--help explains the output', async () => {
        const m = memoryIo();
        expect(await reportSummarize(['--help'], m.io)).toBe(0);
        expect(m.stdout()).toContain('usage: acr-guard report summarize FILE');
    });
});
