import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { BenchResult } from './report';

/*
 * Cold start: what the Functions worker pays before the first invocation. It loads every module
 * of dist/functions (package.json `main`); the composition root imports the services' modules only
 * when a function first uses them. Each figure is a fresh `node` process timing its own requires,
 * so nothing is cached between rounds; the medians of paired rounds (bare, functions, everything)
 * are compared, the machine being shared.
 *
 * - bare: `node -e 0` plus the timer itself, the floor no app can go under;
 * - functions: every function module, as the worker loads them (the cold start);
 * - everything: every module under dist/shared too, what one composition importing every area at
 *   start would load (how the app started before the composition root was lazy).
 */
const ROUNDS = 7;
const DIST = path.resolve(__dirname, '..');

const script = (what: 'bare' | 'functions' | 'everything') => `
const t = process.hrtime.bigint();
const fs = require('fs'), path = require('path');
const load = (dir) => { for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) { if (${what === 'everything'}) load(p); }
    else if (e.name.endsWith('.js')) require(p);
} };
if (${what !== 'bare'}) load(${JSON.stringify(path.join(DIST, 'functions'))});
if (${what === 'everything'}) load(${JSON.stringify(path.join(DIST, 'shared'))});
process.stdout.write(JSON.stringify({ ms: Number(process.hrtime.bigint() - t) / 1e6, modules: Object.keys(require.cache).length }));
`;

function measure(what: 'bare' | 'functions' | 'everything'): { ms: number; modules: number } {
    // A whole process per figure: its start-up is part of what a cold start costs.
    const start = process.hrtime.bigint();
    const out = execFileSync(process.execPath, ['-e', script(what)], { cwd: DIST, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const total = Number(process.hrtime.bigint() - start) / 1e6;
    const inner = JSON.parse(out) as { ms: number; modules: number };
    return { ms: total, modules: inner.modules };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

export async function run(): Promise<BenchResult> {
    const functionFiles = readdirSync(path.join(DIST, 'functions')).filter((f) => f.endsWith('.js')).length;
    const rounds: Array<Record<'bare' | 'functions' | 'everything', { ms: number; modules: number }>> = [];
    measure('functions'); // warm the file system cache
    for (let i = 0; i < ROUNDS; i++) rounds.push({ bare: measure('bare'), functions: measure('functions'), everything: measure('everything') });
    const bare = median(rounds.map((r) => r.bare.ms));
    const functions = median(rounds.map((r) => r.functions.ms));
    const everything = median(rounds.map((r) => r.everything.ms));
    const ownLoad = Math.max(0, functions - bare);
    const TARGET_MS = 200;
    return Promise.resolve({
        name: 'cold start: loading the function modules (fresh node process each)',
        measured: { label: `own load of ${functionFiles} function modules`, value: ownLoad, unit: 'ms' },
        baseline: { label: 'bare node -e 0 process', value: bare, unit: 'ms' },
        // Higher is better: 1.0 means exactly the 200 ms budget of own load.
        ratio: ownLoad > 0 ? TARGET_MS / ownLoad : TARGET_MS,
        target: 1,
        notes: [
            `ratio = ${TARGET_MS} ms budget / own load (functions process − bare process), medians of ${ROUNDS} paired rounds`,
            `functions process ${functions.toFixed(0)} ms, ${rounds[0]?.functions.modules ?? 0} modules; loading every dist/shared module as well (an eager composition) ${everything.toFixed(0)} ms, ${rounds[0]?.everything.modules ?? 0} modules: ${(everything - bare).toFixed(0)} ms of own load`,
        ],
    });
}
