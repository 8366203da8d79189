import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

/**
 * The lines the scan task's `acr-guard-emit-report` step prints (shared/registry/trivyScanTask.ts),
 * in the envelope shared/registry/scanReportEnvelope.ts verifies: the report gzip-compressed and
 * base64-encoded between nonce markers, its sha256 and size on the end marker, then
 * `trivy version --format json` in base64. The local executor and the tests' recorded runs both
 * write it with this one function.
 */
export function scanReportBlock(nonce: string, report: Buffer, trivyVersionJson: string): string[] {
    // `base64` wraps at 76 columns by default, like the task's shell step.
    const body = gzipSync(report).toString('base64').replace(/.{1,76}/g, '$&\n').trimEnd();
    const hash = createHash('sha256').update(report).digest('hex');
    return [
        `acr-guard-report-begin:${nonce}`,
        body,
        `acr-guard-report-end:${nonce} sha256=${hash} bytes=${report.length}`,
        `acr-guard-trivy-version:${nonce} ${Buffer.from(trivyVersionJson).toString('base64')}`,
    ];
}
