import { readdirSync } from 'node:fs';
import path from 'node:path';
import { formatResult, type BenchResult } from './report';

/**
 * `npm run bench`: runs every compiled bench/*.bench.js one after the other (they share the
 * machine, so never in parallel), each exporting `run()`. A bench prints its own figures and may
 * return a BenchResult (measured vs a baseline from the same run). A name filter may be given:
 * `npm run bench -- intake`. Exit 1 when a bench fails to run; a ratio below target is reported,
 * not failed (machines differ).
 */
const isBenchResult = (value: unknown): value is BenchResult =>
    typeof value === 'object' && value !== null && 'ratio' in value && 'baseline' in value && 'measured' in value;

async function main(): Promise<number> {
    const only = process.argv[2];
    const files = readdirSync(__dirname)
        .filter((f) => f.endsWith('.bench.js'))
        .filter((f) => !only || f.includes(only))
        .sort();
    if (files.length === 0) {
        console.error(`no *.bench.js in ${__dirname}${only ? ` matching ${only}` : ''}`);
        return 1;
    }
    let failed = 0;
    for (const file of files) {
        console.log(`\n=== ${file}`);
        try {
            const mod = (await import(path.join(__dirname, file))) as { run?: () => Promise<unknown> };
            if (typeof mod.run !== 'function') throw new Error('exports no run()');
            const result = await mod.run();
            if (isBenchResult(result)) console.log(formatResult(result));
            else if (Array.isArray(result) && result.every(isBenchResult)) result.forEach((r) => console.log(formatResult(r)));
        } catch (err) {
            failed += 1;
            console.error(`${file} failed: ${(err as Error).stack ?? String(err)}`);
        }
    }
    console.log(`\n${files.length - failed}/${files.length} benches ran`);
    return failed > 0 ? 1 : 0;
}

main().then(
    (code) => {
        process.exitCode = code;
    },
    (err: unknown) => {
        console.error(err);
        process.exitCode = 1;
    },
);
