import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluatePolicy, resolveRule, type PolicyInput } from '../../shared/policy/evaluatePolicy';
import { DEFAULT_POLICY, parsePolicy, readPolicyFile, type GatePolicy } from '../../shared/policy/gatePolicy';
import { judgeScanAge } from '../../shared/policy/scanAge';
import { isFixable, type Finding } from '../../shared/trivy/finding';
import { parseTrivyReport } from '../../shared/trivy/report';

const NOW = new Date('2026-06-15T12:00:00Z');
const DIGEST_A = 'sha256:' + 'a'.repeat(64);
const DIGEST_B = 'sha256:' + 'b'.repeat(64);

function finding(vulnerabilityId: string, severity: Finding['severity'], fixedVersion: string | null): Finding {
    return {
        vulnerabilityId, severity, fixedVersion, status: fixedVersion ? 'fixed' : 'affected', pkgName: 'pkg', pkgId: null, pkgPath: null,
        installedVersion: '1.0', title: null, target: 't', resultClass: 'os-pkgs', resultType: 'debian',
    };
}
const CRIT_FIXED = finding('CVE-2026-0001', 'CRITICAL', '1.1');
const CRIT_UNFIXED = finding('CVE-2026-0002', 'CRITICAL', null);
const HIGH_FIXED = finding('CVE-2026-0003', 'HIGH', '2.0');
const HIGH_UNFIXED = finding('CVE-2026-0004', 'HIGH', '');
const MEDIUM_FIXED = finding('CVE-2026-0005', 'MEDIUM', '3.0');

const input = (findings: Finding[], extra: Partial<PolicyInput> = {}): PolicyInput => ({
    repository: 'quarantine/web/api',
    digest: DIGEST_A,
    report: { findings, os: { eosl: false } },
    scannedAt: NOW,
    now: NOW,
    ...extra,
});
const codes = (policy: GatePolicy, i: PolicyInput) => evaluatePolicy(policy, i).reasons.map((r) => r.code);

describe('evaluatePolicy: severities and fixability', () => {
    it('default policy: fixable CRITICAL and HIGH block, naming them', () => {
        const v = evaluatePolicy(DEFAULT_POLICY, input([CRIT_FIXED, CRIT_UNFIXED, HIGH_FIXED, HIGH_UNFIXED, MEDIUM_FIXED]));
        expect(v.outcome).toBe('fail');
        expect(v.reasons).toEqual([
            { code: 'blocked-vulnerabilities', message: expect.stringContaining('2 fixable vulnerabilities block promotion (1 CRITICAL, 1 HIGH'), vulnerabilityIds: ['CVE-2026-0001', 'CVE-2026-0003'] },
        ]);
        expect(v.rule).toEqual({ source: 'default', pattern: null, blockSeverities: ['CRITICAL', 'HIGH'], fixableOnly: true, denyEosl: true, maxScanAge: null });
    });

    it('default policy passes unfixed CRITICAL/HIGH and fixable MEDIUM, saying what it checked', () => {
        const v = evaluatePolicy(DEFAULT_POLICY, input([CRIT_UNFIXED, HIGH_UNFIXED, MEDIUM_FIXED]));
        expect(v.outcome).toBe('pass');
        expect(v.reasons).toEqual([{ code: 'no-blocking-findings', message: expect.stringContaining('no fixable CRITICAL/HIGH vulnerabilities') }]);
        expect(v.appliedExceptions).toEqual([]);
        expect(v.expiredExceptions).toEqual([]);
    });

    it('fixableOnly false blocks unfixed findings too', () => {
        const policy = parsePolicy({ default: { fixableOnly: false } });
        const v = evaluatePolicy(policy, input([CRIT_UNFIXED, HIGH_UNFIXED, MEDIUM_FIXED]));
        expect(v.outcome).toBe('fail');
        expect(v.reasons[0]!.vulnerabilityIds).toEqual(['CVE-2026-0002', 'CVE-2026-0004']);
    });

    it('blockSeverities decides which severities count; an empty list blocks on none', () => {
        expect(evaluatePolicy(parsePolicy({ default: { blockSeverities: ['MEDIUM'] } }), input([CRIT_FIXED, MEDIUM_FIXED])).reasons[0]!.vulnerabilityIds).toEqual(['CVE-2026-0005']);
        expect(evaluatePolicy(parsePolicy({ default: { blockSeverities: [] } }), input([CRIT_FIXED])).outcome).toBe('pass');
    });

    it('the same vulnerability in several packages is one id in the reason, counted per occurrence in the message', () => {
        const v = evaluatePolicy(DEFAULT_POLICY, input([CRIT_FIXED, { ...CRIT_FIXED, pkgPath: 'other/path' }]));
        expect(v.reasons[0]!.vulnerabilityIds).toEqual(['CVE-2026-0001']);
        expect(v.reasons[0]!.message).toContain('2 package occurrences');
    });
});

describe('evaluatePolicy: EOSL', () => {
    it('denies an EOSL image by default, allows it when denyEosl is false, and treats no OS as not EOSL', () => {
        const eosl = input([], { report: { findings: [], os: { eosl: true } } });
        expect(evaluatePolicy(DEFAULT_POLICY, eosl)).toMatchObject({ outcome: 'fail', reasons: [{ code: 'eosl' }] });
        expect(evaluatePolicy(parsePolicy({ default: { denyEosl: false } }), eosl).outcome).toBe('pass');
        expect(evaluatePolicy(DEFAULT_POLICY, input([], { report: { findings: [], os: null } })).outcome).toBe('pass');
    });
});

describe('evaluatePolicy: per-repository overrides', () => {
    const policy = parsePolicy({
        overrides: [
            { repositories: ['quarantine/legacy/*'], denyEosl: false },
            { repositories: ['quarantine/legacy/**', 'quarantine/payments/*'], blockSeverities: ['CRITICAL', 'HIGH', 'MEDIUM'], fixableOnly: false },
        ],
    });

    it('the first override whose pattern matches wins; its missing fields come from default', () => {
        expect(resolveRule(policy, 'quarantine/legacy/app')).toEqual({ source: 'overrides[0]', pattern: 'quarantine/legacy/*', blockSeverities: ['CRITICAL', 'HIGH'], fixableOnly: true, denyEosl: false, maxScanAge: null });
        expect(resolveRule(policy, 'quarantine/legacy/team/app')).toMatchObject({ source: 'overrides[1]', pattern: 'quarantine/legacy/**', fixableOnly: false, denyEosl: true });
        expect(resolveRule(policy, 'quarantine/payments/api')).toMatchObject({ source: 'overrides[1]', pattern: 'quarantine/payments/*' });
        expect(resolveRule(policy, 'quarantine/web/api')).toMatchObject({ source: 'default', pattern: null });
    });

    it('applies the override in the verdict', () => {
        const findings = [MEDIUM_FIXED];
        expect(evaluatePolicy(policy, input(findings, { repository: 'quarantine/payments/api' }))).toMatchObject({ outcome: 'fail', rule: { source: 'overrides[1]' } });
        expect(evaluatePolicy(policy, input(findings, { repository: 'quarantine/web/api' })).outcome).toBe('pass');
        const eosl = { findings: [], os: { eosl: true } };
        expect(evaluatePolicy(policy, input([], { repository: 'quarantine/legacy/app', report: eosl })).outcome).toBe('pass');
    });
});

describe('evaluatePolicy: exceptions', () => {
    const exception = (id: string, scope: { repository: string; digest?: string }, expires = '2026-12-31') => ({ id, scope, expires, reason: 'accepted risk', owner: 'sec@contoso.com' });

    it('an active exception in scope suppresses its vulnerability and is reported as applied', () => {
        const policy = parsePolicy({ exceptions: [exception('cve-2026-0001', { repository: 'quarantine/web/*' })] });
        const v = evaluatePolicy(policy, input([CRIT_FIXED, { ...CRIT_FIXED, pkgPath: 'x' }]));
        expect(v.outcome).toBe('pass');
        expect(v.appliedExceptions).toEqual([{ id: 'cve-2026-0001', repository: 'quarantine/web/*', digest: null, expires: '2026-12-31', reason: 'accepted risk', owner: 'sec@contoso.com', findings: 2 }]);
    });

    it('out of repository scope it does not apply', () => {
        const policy = parsePolicy({ exceptions: [exception('CVE-2026-0001', { repository: 'quarantine/other/*' })] });
        const v = evaluatePolicy(policy, input([CRIT_FIXED]));
        expect(v.outcome).toBe('fail');
        expect(v.appliedExceptions).toEqual([]);
    });

    it('a digest-scoped exception applies only to that digest', () => {
        const policy = parsePolicy({ exceptions: [exception('CVE-2026-0001', { repository: 'quarantine/**', digest: DIGEST_A })] });
        expect(evaluatePolicy(policy, input([CRIT_FIXED], { digest: DIGEST_A })).outcome).toBe('pass');
        expect(evaluatePolicy(policy, input([CRIT_FIXED], { digest: DIGEST_B })).outcome).toBe('fail');
        expect(evaluatePolicy(policy, input([CRIT_FIXED], { digest: null })).outcome).toBe('fail');
    });

    it('an expired exception stops applying and is reported; a date-only expiry lasts through that day', () => {
        const policy = parsePolicy({ exceptions: [exception('CVE-2026-0001', { repository: 'quarantine/web/api' }, '2026-06-14'), exception('CVE-2026-0003', { repository: 'quarantine/web/api' }, '2026-06-15')] });
        const v = evaluatePolicy(policy, input([CRIT_FIXED, HIGH_FIXED]));
        expect(v.outcome).toBe('fail');
        expect(v.reasons[0]!.vulnerabilityIds).toEqual(['CVE-2026-0001']);
        expect(v.expiredExceptions).toEqual([expect.objectContaining({ id: 'CVE-2026-0001', expires: '2026-06-14', findings: 1 })]);
        expect(v.appliedExceptions).toEqual([expect.objectContaining({ id: 'CVE-2026-0003', findings: 1 })]);
        // Expired exceptions out of scope are not this image's business.
        expect(evaluatePolicy(policy, input([CRIT_FIXED], { repository: 'quarantine/web/other' })).expiredExceptions).toEqual([]);
    });

    it('an exception never excuses an EOSL OS', () => {
        const policy = parsePolicy({ exceptions: [exception('CVE-2026-0001', { repository: '**' })] });
        expect(codes(policy, input([CRIT_FIXED], { report: { findings: [CRIT_FIXED], os: { eosl: true } } }))).toEqual(['eosl']);
    });
});

describe('evaluatePolicy: scan age and invalid input', () => {
    const policy = parsePolicy({ default: { maxScanAge: 'PT24H' } });
    const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000);

    it('a scan within maxScanAge is judged normally', () => {
        expect(evaluatePolicy(policy, input([], { scannedAt: hoursAgo(23) })).outcome).toBe('pass');
    });

    it('a stale scan is an error (rescan), listed with any failures', () => {
        const v = evaluatePolicy(policy, input([CRIT_FIXED], { scannedAt: hoursAgo(25).toISOString() }));
        expect(v.outcome).toBe('error');
        expect(v.reasons.map((r) => r.code)).toEqual(['scan-too-old', 'blocked-vulnerabilities']);
        expect(v.reasons[0]!.message).toContain('older than PT24H');
    });

    it('an unknown, unreadable or future scan time is an error', () => {
        expect(codes(policy, input([], { scannedAt: null }))).toEqual(['scan-time-unknown']);
        expect(codes(policy, input([], { scannedAt: 'yesterday' }))).toEqual(['scan-time-invalid']);
        expect(codes(DEFAULT_POLICY, input([], { scannedAt: new Date(NOW.getTime() + 3_600_000) }))).toEqual(['scan-time-invalid']);
        // Without a limit an unknown scan time does not matter.
        expect(evaluatePolicy(DEFAULT_POLICY, input([], { scannedAt: undefined })).outcome).toBe('pass');
    });

    it('judgeScanAge is usable on its own (promotion checks staleness with it)', () => {
        expect(judgeScanAge('P1D', hoursAgo(30), NOW)).toMatchObject({ code: 'scan-too-old' });
        expect(judgeScanAge('P1D', hoursAgo(1), NOW)).toBeNull();
        expect(judgeScanAge(null, hoursAgo(10_000), NOW)).toBeNull();
    });

    it('an invalid repository or digest is an error, never a pass', () => {
        expect(codes(DEFAULT_POLICY, input([], { repository: 'quarantine/$(evil)' }))).toEqual(['invalid-input']);
        expect(codes(DEFAULT_POLICY, input([], { digest: 'sha256:short' }))).toEqual(['invalid-input']);
    });
});

describe('evaluatePolicy on a real report (juice-shop)', () => {
    const file = path.resolve(__dirname, '../../../shared/fixtures/trivy/securecodebox-juice-shop-v12.10.2.json');
    const report = parseTrivyReport(JSON.parse(readFileSync(file, 'utf8')));
    const repoDigest = 'sha256:33238f8c6291415c499265629b1b82ef791f5a33dff09f25c07264204a26f89b';

    it('fails the default policy for fixable CRITICAL/HIGH vulnerabilities and EOSL', () => {
        const expectedIds = [...new Set(report.findings.filter((f) => (f.severity === 'CRITICAL' || f.severity === 'HIGH') && isFixable(f)).map((f) => f.vulnerabilityId))].sort();
        const v = evaluatePolicy(DEFAULT_POLICY, { repository: 'quarantine/web/shop', digest: repoDigest, report, scannedAt: report.createdAt, now: new Date('2024-10-29T00:00:00Z') });
        expect(v.outcome).toBe('fail');
        expect(v.reasons.map((r) => r.code)).toEqual(['blocked-vulnerabilities', 'eosl']);
        expect([...v.reasons[0]!.vulnerabilityIds!].sort()).toEqual(expectedIds);
    });

    it('with the teams policy file: exceptions apply per scope and digest, the expired one is reported', async () => {
        const policy = await readPolicyFile(path.resolve(__dirname, '../fixtures/policy/teams.policy.json'));
        const v = evaluatePolicy(policy, { repository: 'quarantine/web/shop', digest: repoDigest, report, scannedAt: report.createdAt, now: new Date('2024-10-29T00:00:00Z') });
        expect(v.appliedExceptions.map((e) => [e.id, e.findings])).toEqual([
            ['CVE-2021-3807', 6],
            ['CVE-2022-37434', 1],
        ]);
        expect(v.expiredExceptions.map((e) => e.id)).toEqual(['CVE-2019-10744']);
        const ids = v.reasons.find((r) => r.code === 'blocked-vulnerabilities')!.vulnerabilityIds!;
        expect(ids).toContain('CVE-2019-10744');
        expect(ids).not.toContain('CVE-2021-3807');
        expect(ids).not.toContain('CVE-2022-37434');
    });
});
