import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { checkPlatform } from '../oci/platform';
import { isDigest } from '../oci/reference';
import { SEVERITIES } from '../trivy/finding';
import { formatIssues } from '../validation/issuePath';
import { durationToMs, ISO_DURATION_PATTERN } from './duration';
import { checkRepositoryPattern } from './repositoryPattern';
import { AcrGuardError } from '../errors/acrGuardError';
import { errorMessage } from '../errors/errorMessage';

/*
 * The gate policy file (JSON). Example:
 *
 * {
 *   "version": 1,
 *   "default": { "blockSeverities": ["CRITICAL", "HIGH"], "fixableOnly": true, "denyEosl": true, "maxScanAge": "P1D" },
 *   "overrides": [
 *     { "repositories": ["quarantine/legacy/**"], "denyEosl": false },
 *     { "repositories": ["quarantine/payments/*"], "blockSeverities": ["CRITICAL", "HIGH", "MEDIUM"], "fixableOnly": false }
 *   ],
 *   "exceptions": [
 *     { "id": "CVE-2021-3807", "scope": { "repository": "quarantine/web/*", "digest": "sha256:…" },
 *       "expires": "2026-12-31", "reason": "not reachable: build-time only", "owner": "web-team@contoso.com" }
 *   ]
 * }
 *
 * Rules:
 * - Every field of `default` is optional and falls back to DEFAULT_POLICY's (fixable CRITICAL and HIGH
 *   block, EOSL denied, no scan-age limit). `overrides` and `exceptions` default to empty.
 * - Overrides: the FIRST override in file order with a pattern matching the repository applies; fields
 *   it leaves out are taken from `default`. Later overrides are not consulted. Put specific patterns first.
 * - Patterns: see repositoryPattern.ts (literal, `*` within a path component, `**` across components).
 * - Exceptions: one vulnerability id (CVE-…, GHSA-…, matched case-insensitively) for repositories matching
 *   `scope.repository`, optionally only for one image digest. `expires` is a date (`2026-12-31`: the
 *   exception applies through the end of that day, UTC) or an RFC 3339 date-time; from then on it no
 *   longer applies and is reported as expired. Exceptions only suppress vulnerabilities, never EOSL or
 *   scan-age reasons.
 * - `platforms.allow` (optional, per rule): the platforms a multi-platform image may contain; a child of
 *   any other platform fails the whole index (shared/policy/indexVerdict.ts). Absent: every platform.
 * - Unknown keys are errors (a typo such as `blockSeverity` must not silently weaken the gate).
 */

export const POLICY_VERSION = 1;

const repositoryPattern = z.string().superRefine((value, ctx) => {
    const problem = checkRepositoryPattern(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const severities = z
    .array(z.enum(SEVERITIES, { error: `expected one of ${SEVERITIES.join(', ')} (upper case)` }))
    .refine((list) => new Set(list).size === list.length, { error: 'list each severity once' });

const maxScanAge = z
    .string()
    .regex(ISO_DURATION_PATTERN, { error: 'expected an ISO 8601 duration in weeks, days, hours, minutes or seconds, e.g. "PT24H" or "P7D"', abort: true })
    .refine((v) => durationToMs(v) !== null, { error: 'expected a non-zero duration such as "PT24H" (years and months are not allowed)' })
    .nullable()
    .describe('Maximum age of the scan (ISO 8601 duration: W, D, H, M, S), null for no limit.');

const platform = z.string().superRefine((value, ctx) => {
    const check = checkPlatform(value);
    if (!check.ok) ctx.addIssue({ code: 'custom', message: check.reason });
});

const platforms = z
    .strictObject({
        allow: z
            .array(platform)
            .min(1, { error: 'expected at least one platform (leave "platforms" out to allow every platform)' })
            .refine((list) => new Set(list).size === list.length, { error: 'list each platform once' })
            .describe('Platforms (os/arch[/variant]) a multi-platform image may contain; an entry without a variant allows every variant.'),
    })
    .describe('Which platforms of a multi-platform image (index) are allowed: a child of any other platform fails the index. Absent: every platform.');

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** When an exception stops applying: the instant itself for a date-time, the next UTC midnight for a date. */
export function exceptionExpiryInstant(expires: string): Date {
    if (DATE_ONLY.test(expires)) return new Date(Date.parse(`${expires}T00:00:00Z`) + 86_400_000);
    return new Date(expires);
}

const expires = z
    .string()
    .refine((v) => (DATE_ONLY.test(v) || DATE_TIME.test(v)) && !Number.isNaN(exceptionExpiryInstant(v).getTime()) && (!DATE_ONLY.test(v) || new Date(`${v}T00:00:00Z`).toISOString().startsWith(v)), {
        error: 'expected a date "YYYY-MM-DD" or a date-time with time zone "YYYY-MM-DDTHH:MM:SSZ"',
    });

const nonEmptyText = (what: string) => z.string({ error: `expected ${what}` }).trim().min(1, { error: `expected ${what}, got an empty string` });

export const gateRuleSchema = z.strictObject({
    blockSeverities: severities.describe('Severities whose findings block promotion.'),
    fixableOnly: z.boolean().describe('Block only findings with a fixed version (true) or all findings of those severities (false).'),
    denyEosl: z.boolean().describe("Deny images whose OS Trivy reports as end of service life (Metadata.OS.EOSL)."),
    maxScanAge,
    platforms: platforms.optional(),
});
export type GateRule = z.infer<typeof gateRuleSchema>;

export const policyExceptionSchema = z.strictObject({
    id: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9._:+-]{0,127}$/, { error: 'expected a vulnerability id such as "CVE-2021-3807" or "GHSA-xxxx-xxxx-xxxx"' }),
    scope: z.strictObject({
        repository: repositoryPattern,
        digest: z.string().refine(isDigest, { error: 'expected an image digest such as "sha256:<64 hex digits>"' }).optional(),
    }),
    expires,
    reason: nonEmptyText('a reason'),
    owner: nonEmptyText('an owner (who answers for this exception)'),
});
export type PolicyException = z.infer<typeof policyExceptionSchema>;

export const ruleOverrideSchema = z.strictObject({
    repositories: z.array(repositoryPattern).min(1, { error: 'expected at least one repository pattern' }),
    description: z.string().optional(),
    ...gateRuleSchema.partial().shape,
});
export type RuleOverride = z.infer<typeof ruleOverrideSchema>;

/** The documented default: fixable CRITICAL and HIGH findings block, EOSL images are denied, no scan-age limit, no exceptions. */
export const DEFAULT_RULE: GateRule = Object.freeze({
    blockSeverities: Object.freeze(['CRITICAL', 'HIGH']) as GateRule['blockSeverities'],
    fixableOnly: true,
    denyEosl: true,
    maxScanAge: null,
});

export const gatePolicySchema = z.strictObject({
    $schema: z.string().optional(),
    version: z.literal(POLICY_VERSION, { error: `expected version ${POLICY_VERSION}` }).default(POLICY_VERSION),
    default: gateRuleSchema.partial().default({}).transform((rule): GateRule => ({ ...DEFAULT_RULE, ...rule })),
    overrides: z.array(ruleOverrideSchema).default([]),
    exceptions: z.array(policyExceptionSchema).default([]),
});

export interface GatePolicy {
    readonly version: typeof POLICY_VERSION;
    readonly default: GateRule;
    readonly overrides: readonly RuleOverride[];
    readonly exceptions: readonly PolicyException[];
}

export const DEFAULT_POLICY: GatePolicy = Object.freeze({
    version: POLICY_VERSION,
    default: DEFAULT_RULE,
    overrides: Object.freeze([]) as readonly RuleOverride[],
    exceptions: Object.freeze([]) as readonly PolicyException[],
});

/** The policy file is unusable. `problems` name where: `overrides[1].blockSeverities[0]: expected one of …`. */
export class PolicyError extends AcrGuardError {
    constructor(
        message: string,
        readonly problems: readonly string[] = [],
    ) {
        super(problems.length === 0 ? message : `${message}:\n  ${problems.join('\n  ')}`, { code: 'invalid-policy', retryable: false });
    }
}

/** Validates a parsed JSON value as a gate policy. `source` (a file name) prefixes the error. */
export function parsePolicy(input: unknown, source = 'policy'): GatePolicy {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        throw new PolicyError(`${source} is not a gate policy: expected a JSON object`);
    }
    const parsed = gatePolicySchema.safeParse(input);
    if (!parsed.success) throw new PolicyError(`${source} is not a valid gate policy`, formatIssues(parsed.error.issues));
    const { $schema: _ignored, ...policy } = parsed.data;
    return policy;
}

export function parsePolicyJson(text: string, source = 'policy'): GatePolicy {
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch (err) {
        throw new PolicyError(`${source} is not JSON: ${errorMessage(err)}`);
    }
    return parsePolicy(value, source);
}

export async function readPolicyFile(file: string): Promise<GatePolicy> {
    let text: string;
    try {
        text = await readFile(file, 'utf8');
    } catch (err) {
        throw new PolicyError(`cannot read policy file ${file}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`);
    }
    return parsePolicyJson(text, file);
}

/** JSON Schema (draft 2020-12) of the policy file as written by people (input side: defaults optional). */
export function policyJsonSchema(): Record<string, unknown> {
    return z.toJSONSchema(gatePolicySchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
