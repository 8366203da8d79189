import { scanReportBlock } from '../../local-registry/scanLogEnvelope';
import type { RunBehaviour, ScheduledRun } from '../../local-registry/taskRuns';

export { renderTask } from '../../local-registry/taskDefinition';

/**
 * The test-mode task executor of the local registry: it plays acr-guard's Trivy scan task
 * (shared/registry/trivyScanTask.ts) the way an ACR agent would, without Trivy: it writes the
 * run log that the task's steps print around a given Trivy JSON report (e.g. a real one from
 * ../shared/fixtures/trivy), in the same envelope the local executor writes (scanReportBlock).
 */

export interface TrivyVersionInfo {
    readonly Version: string;
    readonly VulnerabilityDB?: { Version: number; UpdatedAt: string; NextUpdate?: string; DownloadedAt?: string };
}

export const DEFAULT_VERSION_INFO: TrivyVersionInfo = {
    Version: '0.58.1',
    VulnerabilityDB: { Version: 2, UpdatedAt: '2025-01-02T06:13:07.465548741Z', NextUpdate: '2025-01-03T06:13:07.465548471Z', DownloadedAt: '2025-01-02T09:41:10.214612Z' },
};

/** The run log of a successful scan task run whose Trivy wrote `reportJson`. */
export function trivyScanLog(run: Pick<ScheduledRun, 'runId' | 'values'>, reportJson: string, version: TrivyVersionInfo = DEFAULT_VERSION_INFO): string {
    const nonce = run.values['nonce'] ?? '';
    return [
        '2025/01/02 09:41:02 Alias support enabled for version >= 1.1.0, please see https://aka.ms/acr/tasks/task-aliases for more information.',
        "2025/01/02 09:41:02 Creating Docker network: acb_default_network, driver: 'bridge'",
        '2025/01/02 09:41:03 Successfully set up Docker network: acb_default_network',
        "2025/01/02 09:41:03 Executing step ID: acr-guard-trivy-scan. Timeout(sec): 720, Working directory: '', Network: 'acb_default_network'",
        `2025-01-02T09:41:05Z\tINFO\t[vulndb] Downloading vulnerability DB...`,
        `2025-01-02T09:41:10Z\tINFO\tDetected OS\tfamily="alpine" version="3.10.2"`,
        `2025-01-02T09:41:11Z\tINFO\tScanning ${run.values['imageRef'] ?? ''}`,
        '2025/01/02 09:41:12 Successfully executed container: acr-guard-trivy-scan',
        "2025/01/02 09:41:12 Executing step ID: acr-guard-emit-report. Timeout(sec): 300, Working directory: '', Network: 'acb_default_network'",
        ...scanReportBlock(nonce, Buffer.from(reportJson, 'utf8'), JSON.stringify(version)),
        '2025/01/02 09:41:13 Successfully executed container: acr-guard-emit-report',
        `2025/01/02 09:41:13 Step ID: acr-guard-trivy-scan marked as successful (elapsed time in seconds: 9.1)`,
        '',
        `Run ID: ${run.runId} was successful after 11s`,
        '',
    ].join('\r\n');
}

/** A run behaviour that answers every scan with `report(run)` and a successful run. */
export function trivyScanRun(report: (run: ScheduledRun) => string, editLog: (log: string, run: ScheduledRun) => string = (l) => l): RunBehaviour {
    return (run) => ({ status: 'Succeeded', log: editLog(trivyScanLog(run, report(run)), run) });
}

/**
 * `reportJson` as Trivy writes it when it scans `imageRef`: the report names what was scanned
 * (`ArtifactName` is the reference as given, `Metadata.RepoDigests` the registry's digest of it).
 * The fixture reports were made from other images, so the test server stamps them; the scan
 * pipeline checks that the report is about the digest it asked for.
 */
export function asTrivyReportOf(reportJson: string, imageRef: string): string {
    const report = JSON.parse(reportJson) as { ArtifactName?: string; Metadata?: Record<string, unknown> };
    report.ArtifactName = imageRef;
    report.Metadata = { ...(report.Metadata ?? {}), RepoDigests: [imageRef] };
    return JSON.stringify(report);
}

/** Like trivyScanRun, with the report stamped for the image the run scanned (what real Trivy prints). */
export function trivyImageScanRun(report: (run: ScheduledRun) => string, editLog?: (log: string, run: ScheduledRun) => string): RunBehaviour {
    return trivyScanRun((run) => asTrivyReportOf(report(run), run.values['imageRef'] ?? ''), editLog);
}
