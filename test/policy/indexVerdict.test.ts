import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { planIndex } from '../../shared/oci/indexChildren';
import { parseManifest, type ImageIndex } from '../../shared/oci/manifest';
import { evaluatePolicy, resolveRule } from '../../shared/policy/evaluatePolicy';
import { DEFAULT_POLICY, parsePolicy } from '../../shared/policy/gatePolicy';
import { judgeIndex } from '../../shared/policy/indexVerdict';
import type { Verdict } from '../../shared/policy/verdict';
import { parseTrivyReportJson } from '../../shared/trivy/report';

const TRIVY = path.resolve(__dirname, '../../../shared/fixtures/trivy');
const OWN = path.resolve(__dirname, '../fixtures/oci');
const AMD64 = 'sha256:5861314d7fccb39c2192173240eab44fa35ca66426201ca2acd0630a6258dd51';
const ARM64 = 'sha256:f69162950f235e3cdbbad33f1f912d1a504be90d8a37d002c735d6f3e3882265';
const NOW = new Date('2024-10-29T00:00:00Z');
const buildx = planIndex(parseManifest(readFileSync(path.join(OWN, 'buildx-index.json'))) as ImageIndex);
const list = planIndex(parseManifest(readFileSync(path.join(OWN, 'docker-manifest-list.json'))) as ImageIndex);

/** A child's verdict as the scan of that child digest would record it: the real policy on a real report. */
const verdictOf = (report: string, digest: string): Verdict =>
    evaluatePolicy(DEFAULT_POLICY, { repository: 'quarantine/web/shop', digest, report: parseTrivyReportJson(readFileSync(path.join(TRIVY, report))), now: NOW });
const clean = (digest: string) => verdictOf('cns-website-alpine-3.17-novulns.json', digest);
const failing = (digest: string) => verdictOf('securecodebox-juice-shop-v12.10.2.json', digest);
const noPlatformRule = resolveRule(DEFAULT_POLICY, 'quarantine/web/shop');

describe('judgeIndex: an index passes only when every image child passes', () => {
    it('issue 10: the arm64 child fails its scan → the index fails, each child listed, attestations recorded', () => {
        const v = judgeIndex({ plan: buildx, childVerdicts: new Map([[AMD64, clean(AMD64)], [ARM64, failing(ARM64)]]), rule: noPlatformRule });
        expect(v.outcome).toBe('fail');
        expect(v.children.map((c) => [c.platform, c.outcome])).toEqual([['linux/amd64', 'pass'], ['linux/arm64/v8', 'fail']]);
        expect(v.reasons).toHaveLength(1);
        expect(v.reasons[0]).toMatchObject({ code: 'child-failed', message: `linux/arm64/v8 ${ARM64}: fail (blocked-vulnerabilities, eosl)` });
        expect(v.reasons[0]!.vulnerabilityIds).toContain('CVE-2019-10744');
        expect(v.attestations.map((a) => a.describes)).toEqual([AMD64, ARM64]);
    });

    it('every child passes → pass, naming the platforms', () => {
        const v = judgeIndex({ plan: buildx, childVerdicts: new Map([[AMD64, clean(AMD64)], [ARM64, clean(ARM64)]]), rule: noPlatformRule });
        expect(v.outcome).toBe('pass');
        expect(v.reasons).toEqual([{ code: 'all-children-pass', message: 'all 2 image children pass (linux/amd64, linux/arm64/v8)' }]);
    });

    it('a child not judged yet, or judged error, makes the index error (error wins, the failure still listed)', () => {
        const missing = judgeIndex({ plan: buildx, childVerdicts: new Map([[AMD64, clean(AMD64)]]), rule: noPlatformRule });
        expect(missing.outcome).toBe('error');
        expect(missing.children[1]).toMatchObject({ outcome: 'error', reasons: [{ code: 'child-not-judged' }] });
        const scannerError: Verdict = { outcome: 'error', reasons: [{ code: 'scanner-error', message: 'ACR run failed' }] };
        const mixed = judgeIndex({ plan: list, childVerdicts: new Map(list.images.map((c, i) => [c.digest, i === 0 ? scannerError : i === 1 ? failing(c.digest) : clean(c.digest)])), rule: noPlatformRule });
        expect(mixed.outcome).toBe('error');
        expect(mixed.reasons.map((r) => r.code)).toEqual(['child-error', 'child-failed']);
    });

    it('an unsupported child or no image child at all fails the index', () => {
        const index = JSON.parse(readFileSync(path.join(OWN, 'buildx-index.json'), 'utf8'));
        index.manifests.push({ mediaType: 'application/vnd.oci.image.index.v1+json', digest: 'sha256:' + '7'.repeat(64), size: 300 });
        const plan = planIndex(parseManifest(JSON.stringify(index)) as ImageIndex);
        const v = judgeIndex({ plan, childVerdicts: new Map([[AMD64, clean(AMD64)], [ARM64, clean(ARM64)]]), rule: noPlatformRule });
        expect(v.outcome).toBe('fail');
        expect(v.reasons).toEqual([{ code: 'unsupported-child', message: `sha256:${'7'.repeat(64)} (application/vnd.oci.image.index.v1+json): a nested index is not judged` }]);
        const empty = judgeIndex({ plan: { images: [], attestations: [], unsupported: [] }, childVerdicts: new Map(), rule: noPlatformRule });
        expect(empty).toMatchObject({ outcome: 'fail', reasons: [{ code: 'no-image-children' }] });
    });
});

describe('judgeIndex: platforms the policy does not allow are a fail, not a silent pass', () => {
    const policy = parsePolicy({
        overrides: [{ repositories: ['quarantine/edge/**'], platforms: { allow: ['linux/amd64', 'linux/arm64'] } }],
    });

    it('with platforms.allow linux/amd64, linux/arm64: arm/v7 and windows children fail the index though their scans pass', () => {
        const rule = resolveRule(policy, 'quarantine/edge/agent');
        expect(rule.platforms).toEqual({ allow: ['linux/amd64', 'linux/arm64'] });
        const v = judgeIndex({ plan: list, childVerdicts: new Map(list.images.map((c) => [c.digest, clean(c.digest)])), rule });
        expect(v.outcome).toBe('fail');
        expect(v.children.map((c) => [c.platform, c.outcome, c.reasons[0]!.code])).toEqual([
            ['linux/amd64', 'pass', 'no-blocking-findings'],
            ['linux/arm/v7', 'fail', 'platform-not-allowed'],
            ['windows/amd64', 'fail', 'platform-not-allowed'],
        ]);
        expect(v.children[1]!.reasons[0]!.message).toBe('platform linux/arm/v7 is not allowed by the policy (allowed: linux/amd64, linux/arm64)');
    });

    it('arm64/v8 is allowed by "linux/arm64"; the same index passes there, and anywhere without the option', () => {
        const verdicts = new Map([[AMD64, clean(AMD64)], [ARM64, clean(ARM64)]]);
        expect(judgeIndex({ plan: buildx, childVerdicts: verdicts, rule: resolveRule(policy, 'quarantine/edge/agent') }).outcome).toBe('pass');
        expect(judgeIndex({ plan: list, childVerdicts: new Map(list.images.map((c) => [c.digest, clean(c.digest)])), rule: resolveRule(policy, 'quarantine/web/site') }).outcome).toBe('pass');
    });

    it('a child with no stated platform is never allowed under an allow list', () => {
        const plan = { images: [{ digest: AMD64, mediaType: 'application/vnd.oci.image.manifest.v1+json', platform: null }], attestations: [], unsupported: [] };
        const v = judgeIndex({ plan, childVerdicts: new Map([[AMD64, clean(AMD64)]]), rule: resolveRule(policy, 'quarantine/edge/x') });
        expect(v).toMatchObject({ outcome: 'fail', children: [{ outcome: 'fail', reasons: [{ code: 'platform-not-allowed', message: expect.stringContaining('platform (none stated) is not allowed') }, { code: 'no-blocking-findings' }] }] });
    });
});
