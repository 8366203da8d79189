import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { durationToMs } from '../../shared/policy/duration';
import { DEFAULT_POLICY, exceptionExpiryInstant, parsePolicy, parsePolicyJson, PolicyError, policyJsonSchema, readPolicyFile } from '../../shared/policy/gatePolicy';

const FIXTURES = path.resolve(__dirname, '../fixtures/policy');
const problemsOf = (input: unknown): readonly string[] => {
    try {
        parsePolicy(input, 'gate.json');
    } catch (err) {
        expect(err).toBeInstanceOf(PolicyError);
        expect((err as Error).message).toContain('gate.json is not a valid gate policy');
        return (err as PolicyError).problems;
    }
    throw new Error('expected the policy to be rejected');
};

describe('gate policy file', () => {
    it('documents the default: fixable CRITICAL and HIGH block, EOSL denied, no exceptions, no age limit', () => {
        expect(DEFAULT_POLICY).toEqual({
            version: 1,
            default: { blockSeverities: ['CRITICAL', 'HIGH'], fixableOnly: true, denyEosl: true, maxScanAge: null },
            overrides: [],
            exceptions: [],
        });
        expect(parsePolicy({})).toEqual(DEFAULT_POLICY);
    });

    it('fills fields left out of default from the documented default', () => {
        const p = parsePolicy({ default: { fixableOnly: false } });
        expect(p.default).toEqual({ blockSeverities: ['CRITICAL', 'HIGH'], fixableOnly: false, denyEosl: true, maxScanAge: null });
    });

    it('reads a full policy file from disk', async () => {
        const p = await readPolicyFile(path.join(FIXTURES, 'teams.policy.json'));
        expect(p.default.maxScanAge).toBe('P7D');
        expect(p.overrides.map((o) => o.repositories)).toEqual([['quarantine/legacy/**'], ['quarantine/payments/*', 'quarantine/billing/*']]);
        expect(p.exceptions).toHaveLength(3);
    });

    it('names the path of every problem', () => {
        expect(
            problemsOf({
                default: { blockSeverities: ['critical', 'HIGH', 'HIGH'] },
                overrides: [{ repositories: [] }, { repositories: ['quarantine/(.*)'], fixableOnly: 'yes' }],
                exceptions: [{ id: 'CVE 2021', scope: { repository: 'quarantine/**', digest: 'sha256:abc' }, expires: '2026-02-30', reason: ' ', owner: 'sec' }],
            }),
        ).toEqual([
            'default.blockSeverities[0]: expected one of CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN (upper case)',
            'overrides[0].repositories: expected at least one repository pattern',
            'overrides[1].repositories[0]: a repository pattern may contain only a-z 0-9 . _ - / and the wildcards * and **',
            expect.stringMatching(/^overrides\[1\]\.fixableOnly: .*boolean/),
            expect.stringMatching(/^exceptions\[0\]\.id: expected a vulnerability id/),
            'exceptions[0].scope.digest: expected an image digest such as "sha256:<64 hex digits>"',
            expect.stringMatching(/^exceptions\[0\]\.expires: expected a date "YYYY-MM-DD"/),
            'exceptions[0].reason: expected a reason, got an empty string',
        ]);
    });

    it('refuses a severity listed twice, unknown keys (typos) and a missing owner or expiry', () => {
        expect(problemsOf({ default: { blockSeverities: ['HIGH', 'HIGH'] } })).toEqual(['default.blockSeverities: list each severity once']);
        expect(problemsOf({ default: { blockSeverity: ['HIGH'] } })).toEqual(['default: Unrecognized key: "blockSeverity"']);
        expect(problemsOf({ exceptions: [{ id: 'CVE-2021-1', scope: { repository: '**' }, reason: 'r' }] })).toEqual([
            expect.stringMatching(/^exceptions\[0\]\.expires: /),
            expect.stringMatching(/^exceptions\[0\]\.owner: expected an owner/),
        ]);
        expect(problemsOf({ version: 2 })).toEqual(['version: expected version 1']);
    });

    it.each([
        ['PT24H', 86_400_000],
        ['P7D', 7 * 86_400_000],
        ['P1W', 7 * 86_400_000],
        ['P1DT12H', 36 * 3_600_000],
        ['PT90M', 90 * 60_000],
    ])('maxScanAge %s = %d ms', (duration, ms) => {
        expect(durationToMs(duration)).toBe(ms);
        expect(parsePolicy({ default: { maxScanAge: duration } }).default.maxScanAge).toBe(duration);
    });

    it.each(['P1Y', 'P1M', 'PT', 'P', 'P0D', '24h', 'P1.5D'])('maxScanAge %j is refused', (duration) => {
        expect(problemsOf({ default: { maxScanAge: duration } })).toEqual([expect.stringMatching(/^default\.maxScanAge: expected /)]);
    });

    it('a date-only expiry lasts through the end of that day (UTC); a date-time is exact', () => {
        expect(exceptionExpiryInstant('2026-03-31').toISOString()).toBe('2026-04-01T00:00:00.000Z');
        expect(exceptionExpiryInstant('2026-03-31T12:00:00+02:00').toISOString()).toBe('2026-03-31T10:00:00.000Z');
    });

    it('reports unreadable and non-JSON policy files clearly', async () => {
        await expect(readPolicyFile(path.join(FIXTURES, 'missing.policy.json'))).rejects.toThrow(/cannot read policy file .*missing\.policy\.json: ENOENT/);
        expect(() => parsePolicyJson('{ "default": ', 'broken.json')).toThrow(/broken\.json is not JSON/);
        expect(() => parsePolicy([], 'list.json')).toThrow(/list\.json is not a gate policy: expected a JSON object/);
    });

    it('platforms.allow (issue 10): os/arch[/variant] per rule, validated, absent by default', () => {
        const policy = parsePolicy({ default: { platforms: { allow: ['linux/amd64', 'linux/arm64'] } }, overrides: [{ repositories: ['quarantine/win/**'], platforms: { allow: ['windows/amd64'] } }] });
        expect(policy.default.platforms).toEqual({ allow: ['linux/amd64', 'linux/arm64'] });
        expect(policy.overrides[0]!.platforms).toEqual({ allow: ['windows/amd64'] });
        expect(DEFAULT_POLICY.default.platforms).toBeUndefined();
        expect(parsePolicy({}).default.platforms).toBeUndefined();
        expect(problemsOf({ default: { platforms: { allow: ['linux/amd64', 'Linux/ARM64', 'linux/amd64;rm -rf /'] } } })).toEqual([
            'default.platforms.allow[1]: platform "Linux/ARM64" is not of the form os/arch[/variant] (lower-case letters, digits, . _ -)',
            'default.platforms.allow[2]: platform "linux/amd64;rm -rf /" is not of the form os/arch[/variant] (lower-case letters, digits, . _ -)',
        ]);
        expect(problemsOf({ default: { platforms: { allow: [] } } })).toEqual(['default.platforms.allow: expected at least one platform (leave "platforms" out to allow every platform)']);
        expect(problemsOf({ default: { platforms: { allow: ['linux/amd64', 'linux/amd64'] } } })).toEqual(['default.platforms.allow: list each platform once']);
        expect(problemsOf({ default: { platforms: { deny: ['linux/amd64'] } } })).toContain('default.platforms: Unrecognized key: "deny"');
    });

    it('exports a JSON Schema of the file', () => {
        const schema = policyJsonSchema() as { properties: Record<string, any>; additionalProperties: boolean };
        expect(schema.additionalProperties).toBe(false);
        expect(Object.keys(schema.properties)).toEqual(['$schema', 'version', 'default', 'overrides', 'exceptions']);
        expect(schema.properties.default.properties.blockSeverities.items.enum).toEqual(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN']);
        expect(schema.properties.exceptions.items.required).toEqual(['id', 'scope', 'expires', 'reason', 'owner']);
    });
});
