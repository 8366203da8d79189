import { readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * `npm run bench`: runs every compiled `*.bench.js` beside this file (dist/bench/), one after another,
 * each exporting `run()`. A name filter may be given: `node dist/bench/run.js trivy`.
 */
async function main(filter?: string): Promise<number> {
    const files = readdirSync(__dirname)
        .filter((f) => f.endsWith('.bench.js') && (!filter || f.includes(filter)))
        .sort();
    let failed = 0;
    for (const file of files) {
        console.log(`\n=== ${file}`);
        try {
            const mod = require(path.join(__dirname, file)) as { run?: () => Promise<unknown> };
            if (typeof mod.run !== 'function') throw new Error('exports no run()');
            const figures = await mod.run();
            if (figures !== undefined) console.log(JSON.stringify(figures, null, 2));
        } catch (err) {
            failed++;
            console.error(`${file} failed:`, err);
        }
    }
    return failed === 0 ? 0 : 1;
}

main(process.argv[2]).then((code) => {
    process.exitCode = code;
});
