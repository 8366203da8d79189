import { readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * `npm run bench`: runs every compiled `*.bench.js` beside this file, one after the other, each
 * exporting `async function run()`. A bench prints its own numbers (ratios against a baseline
 * measured in the same run); a bench that throws makes the exit code non-zero.
 */
async function runAll(): Promise<number> {
    const files = readdirSync(__dirname)
        .filter((f) => f.endsWith('.bench.js'))
        .sort();
    let failed = 0;
    for (const file of files) {
        console.log(`\n== ${file}`);
        try {
            const mod = (await import(path.join(__dirname, file))) as { run?: () => Promise<unknown> };
            if (typeof mod.run !== 'function') throw new Error(`${file} does not export run()`);
            await mod.run();
        } catch (err) {
            failed++;
            console.error(`${file} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        }
    }
    console.log(`\n${files.length - failed}/${files.length} benches ran`);
    return failed === 0 ? 0 : 1;
}

runAll().then(
    (code) => {
        process.exitCode = code;
    },
    (err) => {
        console.error(err);
        process.exitCode = 1;
    },
);
