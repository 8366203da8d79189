import { readdirSync } from 'node:fs';
import path from 'node:path';

/** Runs every dist/bench/*.bench.js `run()` in turn (npm run bench builds first). */
async function main(): Promise<number> {
    const only = process.argv[2];
    const files = readdirSync(__dirname)
        .filter((f) => f.endsWith('.bench.js'))
        .filter((f) => !only || f.includes(only))
        .sort();
    let failed = 0;
    for (const file of files) {
        console.log(`\n# ${file}`);
        try {
            const mod = (await import(path.join(__dirname, file))) as { run?: () => Promise<unknown> };
            if (typeof mod.run !== 'function') throw new Error(`${file} exports no run()`);
            await mod.run();
        } catch (err) {
            failed += 1;
            console.error(`${file} failed:`, err);
        }
    }
    return failed === 0 ? 0 : 1;
}

main().then(
    (code) => process.exit(code),
    (err) => {
        console.error(err);
        process.exit(1);
    },
);
