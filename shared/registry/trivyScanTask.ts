import { checkPlatform } from '../oci/platform';
import { checkDigest, checkRegistry, checkRepository, checkTag, type Validation } from '../oci/reference';
import { NONCE_PATTERN } from './scanReportEnvelope';
import { assertSafeTaskValues, type TaskRunRequest } from './taskRunner';
import { MAX_SCAN_RUN_SECONDS, MAX_SCAN_TIMEOUT_SECONDS, MIN_SCAN_TIMEOUT_SECONDS, REPORT_STEP_SECONDS, SCANNER_WAIT_HEAD_ROOM_SECONDS, STEP_HEAD_ROOM_SECONDS } from '../config/limits';

/**
 * The ACR Task that scans one image with Trivy, modelled on ACR Continuous Patching's
 * `cssc-scan-image` (`--scanners vuln --format json`, two DB repositories so a rate-limited ghcr.io
 * falls back to public.ecr.aws, a Trivy `--timeout`, step retries) and better where it matters:
 * - it scans BY DIGEST (`registry/repo@sha256:…`), never by tag, so the verdict is about exactly
 *   the bytes that get promoted;
 * - it keeps every vulnerability (no `--ignore-unfixed`): fixable-only is the gate policy's call;
 * - language packages are scanned too by default (`--pkg-types os,library`): the quarantine gate must
 *   see vulnerable application dependencies (e.g. Spring4Shell), not only OS packages; the patching
 *   flow, which can only fix OS packages, asks for `os` alone;
 * - the report reaches the function verified (see scanReportEnvelope.ts).
 * The YAML below is a constant: everything that varies per scan is a task value, and every value is
 * validated (OCI grammar, then the task-value allow-list) before anything is scheduled.
 */
export const TRIVY_SCAN_TASK_YAML = `version: v1.1.0
steps:
  - id: acr-guard-trivy-scan
    cmd: >-
      {{.Values.trivyImage}} image
      --scanners vuln
      --pkg-types {{.Values.pkgTypes}}
      --format json
      --output /workspace/acr-guard-report.json
      --timeout {{.Values.trivyTimeout}}
      --db-repository {{.Values.dbRepositories}}
      --java-db-repository {{.Values.javaDbRepositories}}
      --cache-dir /workspace/acr-guard-trivy-cache
      --no-progress
      {{.Values.imageRef}}
    timeout: {{.Values.stepTimeoutSeconds}}
    retries: 2
    retryDelay: 10
  - id: acr-guard-emit-report
    entryPoint: sh
    cmd: >-
      {{.Values.trivyImage}} -c 'set -eu;
      n={{.Values.nonce}}; r=/workspace/acr-guard-report.json;
      echo "acr-guard-report-begin:$n";
      gzip -9 -c "$r" | base64;
      h=$(sha256sum "$r" | cut -d " " -f 1); b=$(wc -c < "$r" | tr -d " ");
      echo "acr-guard-report-end:$n sha256=$h bytes=$b";
      v=$(trivy version --format json --cache-dir /workspace/acr-guard-trivy-cache | base64 | tr -d "\\n");
      echo "acr-guard-trivy-version:$n $v"'
    timeout: 300
`;

/**
 * The same task for one platform child of a multi-platform image. The child is still scanned by its
 * own digest (a child manifest is single-platform, so Trivy scans exactly it); `--platform` is belt and
 * braces: should the digest ever name an index after all, Trivy picks the platform that was asked for
 * instead of silently judging linux/amd64, and the report's subject check (reportSubject.ts) still
 * demands the digest asked for. The platform is a task value checked against `os/arch[/variant]`.
 */
export const TRIVY_PLATFORM_SCAN_TASK_YAML = TRIVY_SCAN_TASK_YAML.replace('      {{.Values.imageRef}}\n', '      --platform {{.Values.platform}}\n      {{.Values.imageRef}}\n');
if (TRIVY_PLATFORM_SCAN_TASK_YAML === TRIVY_SCAN_TASK_YAML) throw new Error('TRIVY_PLATFORM_SCAN_TASK_YAML: the image reference line moved; update the platform variant');

export const DEFAULT_TRIVY_DB_REPOSITORIES = ['ghcr.io/aquasecurity/trivy-db:2', 'public.ecr.aws/aquasecurity/trivy-db:2'] as const;
export const DEFAULT_TRIVY_JAVA_DB_REPOSITORIES = ['ghcr.io/aquasecurity/trivy-java-db:1', 'public.ecr.aws/aquasecurity/trivy-java-db:1'] as const;

export type PackageType = 'os' | 'library';

/*
 * The scan's time budget. The scan and rescan workers do not wait for the ACR run: they schedule it
 * and look again from delayed check messages, giving it up at scanCheckDeadlineSeconds. The patch
 * worker's pre-scan does wait inside one invocation (AcrTaskScanner.scan), so the run must end, and
 * the wait give up, before host.json's functionTimeout ends that invocation:
 *   run limit    = min(3 attempts of (Trivy --timeout + 120 s) + 300 s report step, MAX_SCAN_RUN_SECONDS)
 *   scanner wait = run limit + SCANNER_WAIT_HEAD_ROOM_SECONDS  (= the scan pipeline's check deadline)
 *   wait + INVOCATION_MARGIN_SECONDS (read the log, decide, record) <= functionTimeout
 * One full attempt always fits (that caps ACR_GUARD_SCAN_TIMEOUT_SECONDS); the step's two retries
 * fit when earlier attempts fail fast (a rate-limited DB download), which is what they are for.
 */
/** The run's own time limit for a Trivy --timeout (ACR's minimum is 300 s). */
export function scanRunTimeoutSeconds(scanTimeoutSeconds: number): number {
    return Math.max(300, Math.min(MAX_SCAN_RUN_SECONDS, 3 * (scanTimeoutSeconds + STEP_HEAD_ROOM_SECONDS) + REPORT_STEP_SECONDS));
}

/** How long after scheduling a scan run the scan pipeline's checks give it up (its own limit plus head room). */
export function scanCheckDeadlineSeconds(scanTimeoutSeconds: number): number {
    return scanRunTimeoutSeconds(scanTimeoutSeconds) + SCANNER_WAIT_HEAD_ROOM_SECONDS;
}

export interface TrivyScanTaskInput {
    readonly loginServer: string;
    readonly repository: string;
    readonly digest: string;
    readonly nonce: string;
    readonly trivyImage: string;
    readonly dbRepositories: readonly string[];
    readonly javaDbRepositories?: readonly string[];
    readonly pkgTypes: readonly PackageType[];
    /** Trivy's own --timeout; the step and the run get head room on top. */
    readonly scanTimeoutSeconds: number;
    /**
     * For a child of a multi-platform image: its platform, `os/arch[/variant]` (e.g. `linux/arm64/v8`),
     * passed to Trivy as `--platform`; `digest` must then be the child's digest, never the index's.
     */
    readonly platform?: string;
}

/** Builds the run request; throws TypeError naming the first unacceptable input. Pure. */
export function buildTrivyScanTask(input: TrivyScanTaskInput): TaskRunRequest {
    must(checkRegistry(input.loginServer));
    must(checkRepository(input.repository));
    must(checkDigest(input.digest));
    if (!NONCE_PATTERN.test(input.nonce)) throw new TypeError('nonce must be 32 lower-case hex characters');
    must(checkImageReference(input.trivyImage));
    const dbs = input.dbRepositories;
    const javaDbs = input.javaDbRepositories ?? DEFAULT_TRIVY_JAVA_DB_REPOSITORIES;
    if (dbs.length === 0) throw new TypeError('at least one Trivy DB repository is required');
    for (const db of [...dbs, ...javaDbs]) must(checkImageReference(db));
    if (input.pkgTypes.length === 0 || input.pkgTypes.some((t) => t !== 'os' && t !== 'library')) throw new TypeError('pkgTypes must be os and/or library');
    if (input.platform !== undefined) must(checkPlatform(input.platform));
    if (!Number.isInteger(input.scanTimeoutSeconds) || input.scanTimeoutSeconds < MIN_SCAN_TIMEOUT_SECONDS || input.scanTimeoutSeconds > MAX_SCAN_TIMEOUT_SECONDS) {
        throw new TypeError(`scan timeout must be ${MIN_SCAN_TIMEOUT_SECONDS} to ${MAX_SCAN_TIMEOUT_SECONDS} seconds`);
    }
    const values = {
        imageRef: `${input.loginServer}/${input.repository}@${input.digest}`,
        trivyImage: input.trivyImage,
        pkgTypes: [...new Set(input.pkgTypes)].join(','),
        dbRepositories: dbs.join(','),
        javaDbRepositories: javaDbs.join(','),
        trivyTimeout: `${input.scanTimeoutSeconds}s`,
        stepTimeoutSeconds: String(input.scanTimeoutSeconds + STEP_HEAD_ROOM_SECONDS),
        nonce: input.nonce,
        ...(input.platform !== undefined ? { platform: input.platform } : {}),
    };
    assertSafeTaskValues(values);
    return {
        taskYaml: input.platform !== undefined ? TRIVY_PLATFORM_SCAN_TASK_YAML : TRIVY_SCAN_TASK_YAML,
        values,
        // Both steps fit in the run's own limit, which ends before the function invocation does.
        timeoutSeconds: scanRunTimeoutSeconds(input.scanTimeoutSeconds),
    };
}

/** `host[:port]/path[:tag][@sha256:…]`, each part by the OCI grammar. */
export function checkImageReference(reference: string): Validation {
    const at = reference.indexOf('@');
    const nameAndTag = at >= 0 ? reference.slice(0, at) : reference;
    if (at >= 0) {
        const digest = checkDigest(reference.slice(at + 1));
        if (!digest.ok) return digest;
    }
    const slash = nameAndTag.indexOf('/');
    if (slash <= 0) return { ok: false, reason: `image reference ${JSON.stringify(reference.slice(0, 80))} must start with a registry host` };
    const host = checkRegistry(nameAndTag.slice(0, slash));
    if (!host.ok) return host;
    const rest = nameAndTag.slice(slash + 1);
    const colon = rest.lastIndexOf(':');
    const repository = checkRepository(colon >= 0 ? rest.slice(0, colon) : rest);
    if (!repository.ok) return repository;
    return colon >= 0 ? checkTag(rest.slice(colon + 1)) : { ok: true };
}

function must(v: Validation): void {
    if (!v.ok) throw new TypeError(v.reason);
}
