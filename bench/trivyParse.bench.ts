import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseTrivyReportJson } from '../shared/trivy/report';

/*
 * Parsing a 50 MB Trivy report: time and peak memory of parseTrivyReportJson, next to a baseline measured
 * in the same run: plain JSON.parse of the same bytes (the least any parser of this file must do).
 *
 * The report is synthetic but shaped like a real one: the juice-shop report from the shared fixtures
 * (a real Trivy run against the real DB), its node-pkg vulnerabilities repeated at distinct PkgPaths
 * (as real reports repeat a package at many paths) until the file reaches 50 MB, written with Trivy's
 * two-space indentation.
 *
 * Each measurement runs in its own child process, so `maxRSS` (a process-wide high-water mark) is the
 * peak of that measurement alone. Runs alternate baseline/parser, REPEATS times each; medians reported.
 */

const TARGET_BYTES = 50 * 1000 * 1000;
const REPEATS = 3;

interface Measurement {
    ms: number;
    maxRssMiB: number;
    heapUsedAfterMiB: number;
    findings: number;
}

export interface TrivyParseBenchResult {
    fileMiB: number;
    findings: number;
    baseline: { ms: number; maxRssMiB: number };
    parser: { ms: number; maxRssMiB: number };
    ratio: { time: number; peakMemory: number };
}

function repoRoot(): string {
    let dir = __dirname;
    while (!existsSync(path.join(dir, 'package.json'))) {
        const up = path.dirname(dir);
        if (up === dir) throw new Error(`no package.json above ${__dirname}`);
        dir = up;
    }
    return dir;
}

/** Writes the synthetic report; returns its path. */
function writeSyntheticReport(dir: string): string {
    const fixture = path.resolve(repoRoot(), '../shared/fixtures/trivy/securecodebox-juice-shop-v12.10.2.json');
    const report = JSON.parse(readFileSync(fixture, 'utf8')) as { Results: { Class: string; Vulnerabilities?: Record<string, unknown>[] }[] };
    const lang = report.Results.find((r) => r.Class === 'lang-pkgs' && r.Vulnerabilities);
    if (!lang?.Vulnerabilities) throw new Error('fixture has no lang-pkgs vulnerabilities');
    const template = lang.Vulnerabilities;
    const copy = (c: number) => template.map((v) => ({ ...v, PkgPath: `copy-${c}/${String(v.PkgPath ?? '')}` }));
    // Size one copy as it sits in the file (nested, indented) to know how many copies make 50 MB.
    const baseBytes = Buffer.byteLength(JSON.stringify(report, null, 2));
    lang.Vulnerabilities = [...template, ...copy(1)];
    const perCopy = Buffer.byteLength(JSON.stringify(report, null, 2)) - baseBytes;
    const copies = Math.max(0, Math.ceil((TARGET_BYTES - baseBytes) / perCopy));
    const vulnerabilities: Record<string, unknown>[] = [...template];
    for (let c = 1; c <= copies; c++) vulnerabilities.push(...copy(c));
    lang.Vulnerabilities = vulnerabilities;
    const file = path.join(dir, 'synthetic-50mb.json');
    writeFileSync(file, JSON.stringify(report, null, 2));
    return file;
}

function measureInChild(mode: 'baseline' | 'parser', file: string): Promise<Measurement> {
    return new Promise((resolve, reject) => {
        const child = fork(__filename, ['--measure', mode, file], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        let result: Measurement | undefined;
        child.on('message', (m) => (result = m as Measurement));
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 && result ? resolve(result) : reject(new Error(`${mode} measurement exited with ${code}`))));
    });
}

/** Child side: one timed parse of the file, then the process's peak RSS. */
function measure(mode: string, file: string): Measurement {
    const bytes = readFileSync(file);
    const start = process.hrtime.bigint();
    let findings: number;
    if (mode === 'baseline') {
        const value = JSON.parse(bytes.toString('utf8')) as { Results: { Vulnerabilities?: unknown[] }[] };
        findings = value.Results.reduce((n, r) => n + (r.Vulnerabilities?.length ?? 0), 0);
    } else {
        findings = parseTrivyReportJson(bytes).findings.length;
    }
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const mib = (b: number) => Math.round((b / 1024 / 1024) * 10) / 10;
    return { ms: Math.round(ms), maxRssMiB: mib(process.resourceUsage().maxRSS * 1024), heapUsedAfterMiB: mib(process.memoryUsage().heapUsed), findings };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round2 = (x: number) => Math.round(x * 100) / 100;

export async function run(): Promise<TrivyParseBenchResult> {
    const dir = mkdtempSync(path.join(tmpdir(), 'acr-guard-trivy-bench-'));
    try {
        const file = writeSyntheticReport(dir);
        const runs: Record<'baseline' | 'parser', Measurement[]> = { baseline: [], parser: [] };
        for (let i = 0; i < REPEATS; i++) {
            runs.baseline.push(await measureInChild('baseline', file));
            runs.parser.push(await measureInChild('parser', file));
        }
        const findings = runs.parser[0]!.findings;
        if (runs.baseline.some((m) => m.findings !== findings)) throw new Error('baseline and parser disagree on the number of findings');
        const pick = (ms: Measurement[]) => ({ ms: median(ms.map((m) => m.ms)), maxRssMiB: median(ms.map((m) => m.maxRssMiB)) });
        const baseline = pick(runs.baseline);
        const parser = pick(runs.parser);
        const result: TrivyParseBenchResult = {
            fileMiB: round2(statSync(file).size / 1024 / 1024),
            findings,
            baseline,
            parser,
            ratio: { time: round2(parser.ms / baseline.ms), peakMemory: round2(parser.maxRssMiB / baseline.maxRssMiB) },
        };
        console.log(
            `trivy parse, ${result.fileMiB} MiB, ${findings} findings: JSON.parse ${baseline.ms} ms / ${baseline.maxRssMiB} MiB peak RSS; ` +
                `parseTrivyReportJson ${parser.ms} ms / ${parser.maxRssMiB} MiB peak RSS; ratio time ${result.ratio.time}x, memory ${result.ratio.peakMemory}x`,
        );
        return result;
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

if (require.main === module && process.argv[2] === '--measure') {
    process.send!(measure(process.argv[3]!, process.argv[4]!), () => process.disconnect());
}
