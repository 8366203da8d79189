#!/usr/bin/env node
// The published entry point: the compiled CLI lives in dist/ (run `npm run build` first).
require('../dist/cli/main.js').main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(err instanceof Error ? err.message : String(err)); process.exitCode = 2; }
);
