import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main';
import { policyCheck, repositoryOf } from '../../cli/policyCheck';
import { memoryIo } from './memoryIo';

const TRIVY = path.resolve(__dirname, '../../../shared/fixtures/trivy');
const POLICIES = path.resolve(__dirname, '../fixtures/policy');
const JUICE = path.join(TRIVY, 'securecodebox-juice-shop-v12.10.2.json');

describe('acr-guard policy check', () => {
    it('exit 1 with the reasons when the default policy fails (juice-shop: fixable CRITICAL/HIGH, EOSL)', async () => {
        const m = memoryIo();
        expect(await policyCheck([JUICE], m.io)).toBe(1);
        expect(m.stdout()).toMatch(/^verdict: fail \(repository bkimminich\/juice-shop, rule default\)/);
        expect(m.stdout()).toContain('- blocked-vulnerabilities: ');
        expect(m.stdout()).toContain('CVE-2019-10744');
        expect(m.stdout()).toContain('- eosl: ');
    });

    it('exit 0 for a clean scan', async () => {
        const m = memoryIo();
        expect(await policyCheck([path.join(TRIVY, 'cns-website-alpine-3.17-novulns.json')], m.io)).toBe(0);
        expect(m.stdout()).toMatch(/^verdict: pass/);
    });

    it('exit 0 for the default policy when only lower findings exist, exit 1 once the policy blocks all', async () => {
        const report = path.join(TRIVY, 'centos-7.golden.json');
        expect(await policyCheck([report], memoryIo().io)).toBe(0);
        const m = memoryIo();
        expect(await policyCheck(['--policy', path.join(POLICIES, 'block-all.policy.json'), report], m.io)).toBe(1);
        expect(m.stdout()).toContain('3 vulnerabilities block promotion (1 MEDIUM, 2 LOW; 3 package occurrences)');
    });

    it('--json prints the whole verdict, with exceptions, the digest taken from the report and the effective rule', async () => {
        const m = memoryIo();
        const code = await policyCheck(['--json', '--policy', path.join(POLICIES, 'teams.policy.json'), '--repository', 'quarantine/web/shop', JUICE], m.io);
        expect(code).toBe(1);
        const verdict = JSON.parse(m.stdout());
        expect(verdict).toMatchObject({
            outcome: 'fail',
            repository: 'quarantine/web/shop',
            digest: 'sha256:33238f8c6291415c499265629b1b82ef791f5a33dff09f25c07264204a26f89b',
            rule: { source: 'default', maxScanAge: 'P7D' },
        });
        expect(verdict.appliedExceptions.map((e: { id: string }) => e.id)).toEqual(['CVE-2021-3807', 'CVE-2022-37434']);
        expect(verdict.expiredExceptions.map((e: { id: string }) => e.id)).toEqual(['CVE-2019-10744']);
    });

    it('prints applied and expired exceptions in the text output too', async () => {
        const m = memoryIo();
        await policyCheck(['--policy', path.join(POLICIES, 'teams.policy.json'), '--repository', 'quarantine/web/shop', JUICE], m.io);
        expect(m.stdout()).toContain('applied exceptions:\n  - CVE-2021-3807 (quarantine/web/*) expires 2030-12-31');
        expect(m.stdout()).toContain('expired exceptions (no longer apply):\n  - CVE-2019-10744');
    });

    it('a stale scan under a policy with maxScanAge exits 2 (verdict error)', async () => {
        const m = memoryIo(new Date('2024-12-01T00:00:00Z'));
        expect(await policyCheck(['--policy', path.join(POLICIES, 'fresh-scans.policy.json'), JUICE], m.io)).toBe(2);
        expect(m.stdout()).toMatch(/^verdict: error/);
        expect(m.stdout()).toContain('scan-too-old');
    });

    it('a bad policy file exits 2 naming the file and each problem\'s path', async () => {
        const m = memoryIo();
        const file = path.join(POLICIES, 'bad.policy.json');
        expect(await policyCheck(['--policy', file, JUICE], m.io)).toBe(2);
        expect(m.stderr()).toContain(`${file} is not a valid gate policy`);
        expect(m.stderr()).toContain('default.blockSeverities[1]: expected one of CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN');
        expect(m.stderr()).toContain('default.maxScanAge: expected an ISO 8601 duration');
        expect(m.stderr()).toContain('exceptions[0].expires: expected a date');
        expect(m.stdout()).toBe('');
    });

    it.each([
        [['--policy', '/no/such/policy.json', JUICE], /cannot read policy file \/no\/such\/policy\.json: ENOENT/],
        [['/no/such/report.json'], /no such file/],
        [[path.join(POLICIES, 'teams.policy.json')], /not a Trivy report/],
        [[], /expected one report FILE/],
        [['--policy'], /--policy/],
    ])('exits 2 for %j', async (argv, message) => {
        const m = memoryIo();
        expect(await policyCheck(argv, m.io)).toBe(2);
        expect(m.stderr()).toMatch(message);
    });

    it('asks for --repository when the ArtifactName names none', async () => {
        const m = memoryIo();
        // The copa input's ArtifactName is fine; a report without one is not.
        expect(await policyCheck([path.resolve(__dirname, '../fixtures/trivy/no-artifact-name.json')], m.io)).toBe(2);
        expect(m.stderr()).toContain('pass --repository');
    });

    it('an empty ArtifactName and an empty RepoDigests entry mean "no repository" and "no digest": --repository is enough', async () => {
        const file = path.resolve(__dirname, '../fixtures/trivy/no-digest-no-os.json');
        const asked = memoryIo();
        expect(await policyCheck([file], asked.io)).toBe(2);
        expect(asked.stderr()).toContain('cannot tell the repository from the report\'s ArtifactName (null); pass --repository');
        const m = memoryIo();
        expect(await policyCheck(['--json', '--repository', 'quarantine/tools/rust', file], m.io)).toBe(0);
        expect(JSON.parse(m.stdout())).toMatchObject({ outcome: 'pass', repository: 'quarantine/tools/rust', digest: null });
    });

    it('a real report whose RepoDigests entry is empty is judged with no digest, not an invalid one', async () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'acr-guard-policy-'));
        const raw = JSON.parse(readFileSync(path.join(TRIVY, 'cns-website-alpine-3.17-novulns.json'), 'utf8'));
        raw.Metadata.RepoDigests = [''];
        const file = path.join(dir, 'report.json');
        writeFileSync(file, JSON.stringify(raw));
        const m = memoryIo();
        expect(await policyCheck(['--json', file], m.io)).toBe(0);
        expect(JSON.parse(m.stdout())).toMatchObject({ outcome: 'pass', repository: 'anaisurlichs/cns-website', digest: null });
    });

    it.each([
        ['fs-report.json', 'filesystem', '"."'],
        ['repo-report.json', 'repository', '"https://github.com/knqyf263/trivy-ci-test"'],
    ])('a trivy fs/repo report (%s) asks for --repository instead of inventing one, then judges it', async (name, type, shown) => {
        const file = path.resolve(__dirname, '../fixtures/trivy', name);
        const asked = memoryIo();
        expect(await policyCheck([file], asked.io)).toBe(2);
        expect(asked.stderr()).toContain(`the report is of a ${type} (${shown}), not a container image, so it names no repository; pass --repository`);
        const m = memoryIo();
        const code = await policyCheck(['--json', '--repository', 'quarantine/web/site', file], m.io);
        expect(JSON.parse(m.stdout())).toMatchObject({ repository: 'quarantine/web/site', digest: null });
        expect(code).toBe(name === 'fs-report.json' ? 1 : 0);
    });

    it('a finding with no Severity is judged by its VendorSeverity (here CRITICAL, blocking), and with none the report is refused', async () => {
        const m = memoryIo();
        expect(await policyCheck([path.resolve(__dirname, '../fixtures/trivy/vendor-severity-only.json')], m.io)).toBe(1);
        expect(m.stdout()).toContain('2 fixable vulnerabilities block promotion (1 CRITICAL, 1 HIGH; 2 package occurrences)');
        const refused = memoryIo();
        expect(await policyCheck([path.resolve(__dirname, '../fixtures/trivy/no-severity.json')], refused.io)).toBe(2);
        expect(refused.stderr()).toContain('cannot be judged: 1 finding(s) carry no severity');
        expect(refused.stdout()).toBe('');
    });

    it('a report file with a UTF-8 byte-order mark is read', async () => {
        const m = memoryIo();
        expect(await policyCheck([path.resolve(__dirname, '../fixtures/trivy/bom.json')], m.io)).toBe(0);
        expect(m.stdout()).toMatch(/^verdict: pass \(repository quarantine\/web\/bom/);
    });

    it.each([
        ['contoso.azurecr.io/quarantine/web/api:1.4.2', 'quarantine/web/api'],
        ['bkimminich/juice-shop:v12.10.2', 'bkimminich/juice-shop'],
        ['localhost:5000/team/app@sha256:' + 'a'.repeat(64), 'team/app'],
        ['localhost/app', 'app'],
        ['alpine', 'alpine'],
        ['', null],
        [null, null],
    ])('repositoryOf(%j) = %j', (name, repository) => {
        expect(repositoryOf(name)).toBe(repository);
    });
});

describe('acr-guard dispatcher', () => {
    it('--help lists both commands; no arguments prints usage and exits 2; unknown commands exit 2', async () => {
        const help = memoryIo();
        expect(await main(['--help'], help.io)).toBe(0);
        expect(help.stdout()).toContain('report summarize FILE');
        expect(help.stdout()).toContain('policy check [--policy POLICY] FILE');
        const none = memoryIo();
        expect(await main([], none.io)).toBe(2);
        expect(none.stderr()).toContain('usage: acr-guard');
        const unknown = memoryIo();
        expect(await main(['policy', 'approve'], unknown.io)).toBe(2);
        expect(unknown.stderr()).toContain('unknown command "policy approve"');
        expect(await main(['constructor'], memoryIo().io)).toBe(2);
    });

    it('routes `policy check` with its arguments', async () => {
        const m = memoryIo();
        expect(await main(['policy', 'check', path.join(TRIVY, 'sl-micro-rancher5.4.golden.json')], m.io)).toBe(0);
        expect(m.stdout()).toMatch(/^verdict: pass/);
    });
});
