import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { ScannerError } from './scanner';

/**
 * How a Trivy report travels from the ACR Task run to the function: inside the run log, between
 * two marker lines that carry a per-scan random nonce, gzip-compressed and base64-encoded, with
 * the sha256 and size of the uncompressed report on the end marker:
 *
 *   acr-guard-report-begin:<nonce>
 *   H4sIAAAAAAAA…            (base64 of gzip(report.json), wrapped)
 *   acr-guard-report-end:<nonce> sha256=<64 hex> bytes=<n>
 *   acr-guard-trivy-version:<nonce> <base64 of `trivy version --format json`>
 *
 * Why: the log is the one channel every run has (no extra storage, no write access for the
 * task); base64 means nothing from the image (package names, file paths) can ever appear as a
 * marker line; the nonce is unknown to the image and to anyone before the run, so a forged block
 * cannot match; marker lines must be whole lines, so an echoed command line never matches (the
 * task also assembles the markers at run time, so the literal marker is not in the command); the
 * hash and size catch truncation or corruption of the log. Any doubt fails closed.
 */

export const NONCE_PATTERN = /^[a-f0-9]{32}$/;

export interface ExtractedReport {
    readonly reportJson: string;
    readonly trivyVersion?: string;
    readonly dbVersion?: string;
    readonly logExcerpt: string;
}

const EXCERPT_LINES = 40;
const EXCERPT_CHARS = 4000;

export function extractScanReport(log: string, nonce: string, runId?: string): ExtractedReport {
    if (!NONCE_PATTERN.test(nonce)) throw new TypeError('nonce must be 32 lower-case hex characters');
    const lines = log.split('\n').map((l) => l.replace(/\r$/, ''));
    const begin = `acr-guard-report-begin:${nonce}`;
    const endPattern = new RegExp(`^acr-guard-report-end:${nonce} sha256=([a-f0-9]{64}) bytes=([0-9]{1,12})$`);
    const versionPrefix = `acr-guard-trivy-version:${nonce} `;

    const begins = indexesOf(lines, (l) => l === begin);
    const ends = indexesOf(lines, (l) => endPattern.test(l));
    const excerpt = excerptOf(lines, begins[0], ends[0]);
    const fail = (reason: 'report-missing' | 'report-corrupt' | 'report-hash-mismatch' | 'report-invalid', message: string, cause?: unknown): never => {
        throw new ScannerError(reason, runId ? `run ${runId}: ${message}` : message, runId, excerpt, cause === undefined ? undefined : { cause });
    };

    if (begins.length === 0 && ends.length === 0) fail('report-missing', 'the run log holds no report for this scan');
    if (begins.length !== 1 || ends.length !== 1) fail('report-corrupt', `expected one report block, found ${begins.length} begin and ${ends.length} end markers`);
    const [from, to] = [begins[0]!, ends[0]!];
    if (to <= from) fail('report-corrupt', 'the report end marker comes before its begin marker');
    const [, expectedHash, expectedBytes] = endPattern.exec(lines[to]!)!;

    const body = lines.slice(from + 1, to).join('');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0 || body.length === 0) fail('report-corrupt', 'the report block is not base64');
    let bytes: Buffer = Buffer.alloc(0);
    try {
        bytes = gunzipSync(Buffer.from(body, 'base64'));
    } catch (err) {
        fail('report-corrupt', 'the report block is not gzip data', err);
    }
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== expectedHash || bytes.length !== Number(expectedBytes)) {
        fail('report-hash-mismatch', `report sha256 ${actual} (${bytes.length} bytes) differs from the task's ${expectedHash} (${expectedBytes} bytes)`);
    }

    let reportJson = '';
    let report: unknown;
    try {
        reportJson = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
        report = JSON.parse(reportJson);
    } catch (err) {
        fail('report-invalid', 'the verified report is not UTF-8 JSON', err);
    }
    if (!isRecord(report) || report['SchemaVersion'] !== 2) fail('report-invalid', 'the verified report is not a Trivy SchemaVersion 2 report');

    const version = readVersion(lines, versionPrefix);
    const reportTrivy = isRecord(report) && isRecord(report['Trivy']) && typeof report['Trivy']['Version'] === 'string' ? report['Trivy']['Version'] : undefined;
    const trivyVersion = version?.trivyVersion ?? reportTrivy;
    return {
        reportJson,
        ...(trivyVersion ? { trivyVersion } : {}),
        ...(version?.dbVersion ? { dbVersion: version.dbVersion } : {}),
        logExcerpt: excerpt,
    };
}

function readVersion(lines: string[], prefix: string): { trivyVersion?: string; dbVersion?: string } | undefined {
    const line = lines.find((l) => l.startsWith(prefix));
    if (!line) return undefined;
    try {
        const parsed: unknown = JSON.parse(Buffer.from(line.slice(prefix.length).trim(), 'base64').toString('utf8'));
        if (!isRecord(parsed)) return undefined;
        const db = isRecord(parsed['VulnerabilityDB']) ? parsed['VulnerabilityDB'] : undefined;
        return {
            ...(typeof parsed['Version'] === 'string' ? { trivyVersion: parsed['Version'] } : {}),
            ...(db && typeof db['UpdatedAt'] === 'string' ? { dbVersion: db['UpdatedAt'] } : {}),
        };
    } catch {
        // The version line is informative only; the report itself is what was verified.
        return undefined;
    }
}

function indexesOf(lines: string[], match: (line: string) => boolean): number[] {
    const out: number[] = [];
    lines.forEach((l, i) => {
        if (match(l)) out.push(i);
    });
    return out;
}

/** The last lines of the log, without the (large) report block itself. */
export function excerptOf(lines: string[], from?: number, to?: number): string {
    const kept = from !== undefined && to !== undefined && to > from ? [...lines.slice(0, from), '[report block]', ...lines.slice(to + 1)] : lines;
    const tail = kept.filter((l) => l.trim() !== '').slice(-EXCERPT_LINES).join('\n');
    return tail.length > EXCERPT_CHARS ? tail.slice(tail.length - EXCERPT_CHARS) : tail;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
