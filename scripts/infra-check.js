#!/usr/bin/env node
// `npm run infra:check`: the compile lane. Compiles every .bicep under infra/ with the real Bicep CLI
// (scripts/bicep.sh finds or restores it), lints them with bicepconfig.json, writes the ARM JSON to
// .cache/infra/arm/ (git-ignored) with a report of every diagnostic, then runs the deployment tests
// (vitest.infra.config.mts) against that JSON. Fails on any compiler or linter warning, not only on
// errors. Extra arguments go to vitest (`npm run infra:check -- --reporter=json ...`).
// Plain JavaScript on purpose: it needs nothing but Node and the Bicep CLI.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const outDir = path.join(root, '.cache', 'infra');
const armDir = path.join(outDir, 'arm');
const reportFile = path.join(outDir, 'compile-report.json');
const bicep = path.join(root, 'scripts', 'bicep.sh');

function run(args) {
    const result = spawnSync('bash', [bicep, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    return { status: result.status ?? 1, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

/** `path(line,col) : Warning|Error code: message [link]` as Bicep prints diagnostics by default. */
function diagnostics(stderr) {
    const found = [];
    for (const line of stderr.split('\n')) {
        const m = /^(.+?)\((\d+),(\d+)\) : (Error|Warning|Info) ([\w-]+): (.*)$/.exec(line.trim());
        if (m) found.push({ file: path.relative(root, m[1]), line: Number(m[2]), column: Number(m[3]), level: m[4], code: m[5], message: m[6] });
    }
    return found;
}

const version = run(['version']);
if (version.status !== 0) {
    process.stderr.write(version.stderr);
    console.error('infra:check: no Bicep CLI, so the templates were not compiled (see above). `npm test` does not need it.');
    process.exit(1);
}
process.stderr.write(version.stderr);
console.log(`infra:check: ${version.stdout.trim()}`);

fs.rmSync(armDir, { recursive: true, force: true });
fs.mkdirSync(armDir, { recursive: true });
const build = run(['build-all', 'infra', path.relative(root, armDir)]);
const lint = run(['lint-all', 'infra']);

// build and lint both report the compiler's own diagnostics; keep each once.
const seen = new Set();
const all = [...diagnostics(build.stderr), ...diagnostics(lint.stderr)].filter((d) => {
    const key = `${d.file}:${d.line}:${d.column}:${d.code}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
});
const unparsed = [build.stderr, lint.stderr]
    .flatMap((s) => s.split('\n'))
    .filter((l) => l.trim() && !diagnostics(l).length && !l.startsWith('bicep.sh: restoring'));

const files = fs
    .readdirSync(path.join(root, 'infra'), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.bicep'))
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
    .sort();
const report = {
    bicep: version.stdout.trim(),
    buildExitCode: build.status,
    lintExitCode: lint.status,
    files: files.map((file) => ({
        file,
        json: path.relative(root, path.join(armDir, path.relative('infra', file).replace(/\.bicep$/, '.json'))),
        diagnostics: all.filter((d) => d.file === file),
    })),
    otherOutput: unparsed,
};
fs.writeFileSync(reportFile, JSON.stringify(report, null, 2));

for (const d of all) console.log(`${d.file}(${d.line},${d.column}): ${d.level} ${d.code}: ${d.message}`);
for (const l of unparsed) console.log(l);
const compiled = report.files.filter((f) => fs.existsSync(path.join(root, f.json))).length;
console.log(
    `infra:check: ${compiled}/${files.length} files compiled, ${all.filter((d) => d.level === 'Error').length} errors, ` +
        `${all.filter((d) => d.level === 'Warning').length} warnings (report: ${path.relative(root, reportFile)})`,
);
const compileClean = build.status === 0 && lint.status === 0 && all.length === 0 && unparsed.length === 0 && compiled === files.length;

// The deployment tests assert on the compiled JSON (and on the report above), so they run either way:
// a template that did not compile shows up as failing tests, not as a silence.
const vitest = spawnSync(process.execPath, [path.join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', 'vitest.infra.config.mts', ...process.argv.slice(2)], {
    cwd: root,
    stdio: 'inherit',
});
process.exit(compileClean && vitest.status === 0 ? 0 : 1);
