import { checkDigest, checkRegistry, checkRepository, checkTag, type Validation } from '../oci/reference';
import { assertSafeTaskValues, type TaskRunRequest } from '../registry/taskRunner';
import { checkImageReference } from '../registry/trivyScanTask';

/**
 * The ACR Task that patches one image, modelled on ACR Continuous Patching's `cssc-patch-image`
 * (Trivy on the ORIGINAL tag with `--pkg-types os --ignore-unfixed`, two DB repositories, a
 * detached BuildKit daemon on tcp://0.0.0.0:8888, `copa patch -i … -r report -t <patch tag>
 * --timeout … --addr tcp://127.0.0.1:8888` on the host network, retries 3 / delay 5, a 3600 s
 * run) with these differences:
 * - the source is pinned by digest (`repo:tag@sha256:…`): what is patched is the original the
 *   worker looked at, even if the tag moves meanwhile;
 * - copa's result (`<registry>/<repo>:<patch tag>`, local to the run) is re-tagged and pushed
 *   under quarantine/ only (the app's ABAC role allows content writes there alone), so a patch
 *   reaches live/ only through the normal scan and gate;
 * - as in trivyScanTask.ts the YAML is a constant and every per-image part is a task value that
 *   is checked (OCI grammar, then the task-value allow-list) before anything is scheduled.
 */
export const PATCH_TASK_YAML = `version: v1.1.0
steps:
  - id: acr-guard-patch-trivy
    cmd: >-
      {{.Values.trivyImage}} image
      --pkg-types os
      --ignore-unfixed
      --scanners vuln
      --format json
      --output /workspace/acr-guard-patch-report.json
      --timeout {{.Values.trivyTimeout}}
      --db-repository {{.Values.dbRepositories}}
      --cache-dir /workspace/acr-guard-trivy-cache
      --no-progress
      {{.Values.sourceImage}}
    timeout: {{.Values.stepTimeoutSeconds}}
    retries: 3
    retryDelay: 5
  - id: acr-guard-buildkitd
    cmd: {{.Values.buildkitImage}} --addr tcp://0.0.0.0:8888
    detach: true
    privileged: true
    ports: ["127.0.0.1:8888:8888"]
  - id: acr-guard-copa
    cmd: >-
      {{.Values.copaImage}} copa patch
      -i {{.Values.sourceImage}}
      -r /workspace/acr-guard-patch-report.json
      -t {{.Values.patchTag}}
      --timeout {{.Values.copaTimeout}}
      --addr tcp://127.0.0.1:8888
    network: host
    timeout: {{.Values.stepTimeoutSeconds}}
    retries: 3
    retryDelay: 5
  - id: acr-guard-retag
    cmd: docker tag {{.Values.localPatchedImage}} {{.Values.patchedImage}}
  - id: acr-guard-push
    push:
      - {{.Values.patchedImage}}
    retries: 3
`;

/** ACR's patch run limit (the ARM template's `timeout: 3600`). */
export const PATCH_RUN_TIMEOUT_SECONDS = 3600;
/** Trivy's and copa's own `--timeout` (ACR: `--timeout 30m` for both). */
export const PATCH_TOOL_TIMEOUT_SECONDS = 1800;

/** copa v0.13+ prints this and exits 0 without an image when nothing needs an update. */
export const COPA_UP_TO_DATE = 'Image is already up-to-date. No patch was applied.';

export interface PatchTaskInput {
    readonly loginServer: string;
    /** Where the original lives (normally live/NAME). */
    readonly repository: string;
    /** The original tag and the digest it pointed at when the worker looked. */
    readonly tag: string;
    readonly digest: string;
    readonly patchTag: string;
    /** quarantine/NAME: the only place the patched image is pushed. */
    readonly targetRepository: string;
    readonly trivyImage: string;
    readonly dbRepositories: readonly string[];
    readonly copaImage: string;
    readonly buildkitImage: string;
    readonly architecture?: 'amd64' | 'arm64';
}

/** Builds the run request; throws TypeError naming the first unacceptable input. Pure. */
export function buildPatchTask(input: PatchTaskInput): TaskRunRequest {
    must(checkRegistry(input.loginServer));
    must(checkRepository(input.repository));
    must(checkTag(input.tag));
    must(checkDigest(input.digest));
    must(checkTag(input.patchTag));
    must(checkRepository(input.targetRepository));
    if (input.targetRepository === input.repository) throw new TypeError('the patched image must not be pushed over its original repository');
    for (const image of [input.trivyImage, input.copaImage, input.buildkitImage, ...input.dbRepositories]) must(checkImageReference(image));
    if (input.dbRepositories.length === 0) throw new TypeError('at least one Trivy DB repository is required');
    const values = {
        sourceImage: `${input.loginServer}/${input.repository}:${input.tag}@${input.digest}`,
        patchTag: input.patchTag,
        localPatchedImage: `${input.loginServer}/${input.repository}:${input.patchTag}`,
        patchedImage: `${input.loginServer}/${input.targetRepository}:${input.patchTag}`,
        trivyImage: input.trivyImage,
        dbRepositories: input.dbRepositories.join(','),
        trivyTimeout: `${PATCH_TOOL_TIMEOUT_SECONDS}s`,
        copaImage: input.copaImage,
        copaTimeout: `${PATCH_TOOL_TIMEOUT_SECONDS}s`,
        buildkitImage: input.buildkitImage,
        stepTimeoutSeconds: String(PATCH_TOOL_TIMEOUT_SECONDS),
    };
    assertSafeTaskValues(values);
    return { taskYaml: PATCH_TASK_YAML, values, timeoutSeconds: PATCH_RUN_TIMEOUT_SECONDS, architecture: input.architecture ?? 'amd64' };
}

export interface RepositoryLayout {
    readonly quarantinePrefix: string;
    readonly livePrefix: string;
}

/**
 * Where the patch of `repository` is pushed: `live/NAME` -> `quarantine/NAME` (the gate promotes
 * `quarantine/NAME:TAG` to `live/NAME:TAG`); a repository outside both prefixes keeps its whole
 * name under quarantine/. Images already in quarantine/ are not patched (they are not released).
 */
export function patchTargetRepository(repository: string, layout: RepositoryLayout): { ok: true; repository: string } | { ok: false; reason: string } {
    if (repository.startsWith(layout.quarantinePrefix)) return { ok: false, reason: `${repository} is in ${layout.quarantinePrefix}: only released images are patched` };
    const name = repository.startsWith(layout.livePrefix) ? repository.slice(layout.livePrefix.length) : repository;
    const target = `${layout.quarantinePrefix}${name}`;
    const check = checkRepository(target);
    return check.ok ? { ok: true, repository: target } : { ok: false, reason: check.reason };
}

function must(v: Validation): void {
    if (!v.ok) throw new TypeError(v.reason);
}
