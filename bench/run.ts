import { readdirSync } from 'node:fs';
import path from 'node:path';
import { formatResult, type BenchResult } from './report';

/**
 * `npm run bench`: runs every compiled bench/*.bench.js one after the other (they share the
 * machine, so never in parallel) and prints each result. Exit 1 when a bench fails to run;
 * a ratio below target is reported, not failed (machines differ).
 */
async function main(): Promise<number> {
    const only = process.argv[2];
    const files = readdirSync(__dirname)
        .filter((f) => f.endsWith('.bench.js'))
        .filter((f) => !only || f.startsWith(only))
        .sort();
    if (files.length === 0) {
        console.error(`no *.bench.js in ${__dirname}${only ? ` matching ${only}` : ''}`);
        return 1;
    }
    let failed = 0;
    for (const file of files) {
        const mod = (await import(path.join(__dirname, file))) as { run?: () => Promise<BenchResult> };
        if (typeof mod.run !== 'function') {
            console.error(`${file}: exports no run()`);
            failed += 1;
            continue;
        }
        try {
            console.log(formatResult(await mod.run()));
        } catch (err) {
            console.error(`${file} failed: ${(err as Error).stack ?? String(err)}`);
            failed += 1;
        }
    }
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
