import { parseArgs } from 'node:util';
import { evaluatePolicy, type PolicyVerdict } from '../shared/policy/evaluatePolicy';
import { DEFAULT_POLICY, PolicyError, readPolicyFile, type GatePolicy } from '../shared/policy/gatePolicy';
import { isDigest, isRepository } from '../shared/oci/reference';
import { readTrivyReportFile, type TrivyReport } from '../shared/trivy/report';
import { EXIT, type Subcommand } from './io';
import { describeReadError } from './reportSummarize';
import { errorMessage } from '../shared/errors/errorMessage';

const HELP = `usage: acr-guard policy check [--policy POLICY] [--repository REPO] [--digest DIGEST] [--json] FILE

Judges a Trivy JSON report (FILE) against the gate policy and prints the verdict and its reasons.
  --policy POLICY      gate policy file (JSON). Default: fixable CRITICAL and HIGH vulnerabilities block,
                       EOSL images are denied, no exceptions, no scan-age limit.
  --repository REPO    repository path in the registry (e.g. quarantine/web/api), used for per-repository
                       overrides and exception scopes. Default: taken from the ArtifactName of an image
                       report; needed for reports of trivy fs / trivy repo and reports naming no image.
  --digest DIGEST      image digest, for digest-scoped exceptions. Default: the report's only RepoDigest, if any.
  --json               print the whole verdict as JSON.
The scan time is the report's CreatedAt. Exit 0 pass, 1 fail, 2 invalid input or verdict "error"
(could not judge, e.g. the scan is older than the policy's maxScanAge).`;

export const policyCheck: Subcommand = async (argv, io) => {
    let args: { file: string; policy?: string; repository?: string; digest?: string; json: boolean };
    try {
        const { values, positionals } = parseArgs({
            args: argv,
            allowPositionals: true,
            options: {
                policy: { type: 'string' },
                repository: { type: 'string' },
                digest: { type: 'string' },
                json: { type: 'boolean' },
                help: { type: 'boolean', short: 'h' },
            },
        });
        if (values.help) {
            io.stdout(HELP);
            return EXIT.ok;
        }
        if (positionals.length !== 1) throw new Error(`expected one report FILE, got ${positionals.length} arguments`);
        args = { file: positionals[0]!, policy: values.policy, repository: values.repository, digest: values.digest, json: values.json === true };
    } catch (err) {
        io.stderr(`acr-guard policy check: ${errorMessage(err)}\n\n${HELP}`);
        return EXIT.invalid;
    }

    let policy: GatePolicy;
    try {
        policy = args.policy === undefined ? DEFAULT_POLICY : await readPolicyFile(args.policy);
    } catch (err) {
        io.stderr(`acr-guard policy check: ${err instanceof PolicyError ? err.message : errorMessage(err)}`);
        return EXIT.invalid;
    }
    let report: TrivyReport;
    try {
        report = await readTrivyReportFile(args.file);
    } catch (err) {
        io.stderr(`acr-guard policy check: ${describeReadError(err, args.file)}`);
        return EXIT.invalid;
    }
    const subject = reportSubject(report);
    const repository = args.repository ?? subject.repository;
    if (repository === null) {
        io.stderr(`acr-guard policy check: ${subject.why}; pass --repository`);
        return EXIT.invalid;
    }
    const digest = args.digest ?? subject.digest;

    const verdict = evaluatePolicy(policy, { repository, digest, report, scannedAt: report.createdAt, now: io.now() });
    io.stdout(args.json ? JSON.stringify({ repository, digest, ...verdict }, null, 2) : renderVerdict(verdict, repository));
    return verdict.outcome === 'pass' ? EXIT.ok : verdict.outcome === 'fail' ? EXIT.fail : EXIT.invalid;
};

/** Image reports: Trivy's `ArtifactType` for `trivy image` (older reports write none). */
const IMAGE_ARTIFACT_TYPES = new Set([null, 'container_image']);

/**
 * What the report itself says it is about: the repository (from ArtifactName) and the digest (the one
 * RepoDigest), each null when the report does not say, with why. Reports of `trivy fs`/`trivy repo`
 * (ArtifactType filesystem, repository, …) are not of an image: their ArtifactName is a path or a Git
 * URL, so no repository is made up from it.
 */
export function reportSubject(report: Pick<TrivyReport, 'artifactName' | 'artifactType' | 'repoDigests'>): { repository: string | null; digest: string | null; why: string } {
    if (!IMAGE_ARTIFACT_TYPES.has(report.artifactType)) {
        return { repository: null, digest: null, why: `the report is of a ${report.artifactType} (${JSON.stringify(report.artifactName)}), not a container image, so it names no repository` };
    }
    const digests = [...new Set(report.repoDigests.map((d) => d.slice(d.indexOf('@') + 1)).filter(isDigest))];
    const digest = digests.length === 1 ? digests[0]! : null;
    const repository = repositoryOf(report.artifactName);
    if (repository === null) return { repository, digest, why: `cannot tell the repository from the report's ArtifactName (${JSON.stringify(report.artifactName)})` };
    if (!isRepository(repository)) return { repository: null, digest, why: `the report's ArtifactName (${JSON.stringify(report.artifactName)}) does not name a valid repository` };
    return { repository, digest, why: 'taken from the report' };
}

/**
 * The repository path of an image reference as Trivy writes ArtifactName
 * (`contoso.azurecr.io/quarantine/web:1.0`, `bkimminich/juice-shop:v12.10.2`, `alpine@sha256:…`):
 * drops a registry host (a first component with `.` or `:`, or `localhost`), the digest and the tag.
 */
export function repositoryOf(artifactName: string | null): string | null {
    if (!artifactName) return null;
    let name = artifactName;
    const at = name.indexOf('@');
    if (at >= 0) name = name.slice(0, at);
    const slash = name.lastIndexOf('/');
    const colon = name.lastIndexOf(':');
    if (colon > slash) name = name.slice(0, colon);
    const parts = name.split('/');
    if (parts.length > 1 && (parts[0]!.includes('.') || parts[0]!.includes(':') || parts[0] === 'localhost')) parts.shift();
    const repository = parts.join('/');
    return repository === '' ? null : repository;
}

function renderVerdict(verdict: PolicyVerdict, repository: string): string {
    const lines = [`verdict: ${verdict.outcome} (repository ${repository}, rule ${verdict.rule.source}${verdict.rule.pattern ? ` "${verdict.rule.pattern}"` : ''})`];
    for (const r of verdict.reasons) {
        lines.push(`  - ${r.code}: ${r.message}`);
        if (r.vulnerabilityIds && r.vulnerabilityIds.length > 0) lines.push(`    ${r.vulnerabilityIds.join(', ')}`);
    }
    for (const [title, list] of [
        ['applied exceptions', verdict.appliedExceptions],
        ['expired exceptions (no longer apply)', verdict.expiredExceptions],
    ] as const) {
        if (list.length === 0) continue;
        lines.push(`${title}:`);
        for (const e of list) lines.push(`  - ${e.id} (${e.repository}${e.digest ? `@${e.digest}` : ''}) expires ${e.expires}, owner ${e.owner}: ${e.reason} [${e.findings} finding(s)]`);
    }
    return lines.join('\n');
}
