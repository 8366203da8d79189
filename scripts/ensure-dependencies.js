#!/usr/bin/env node
// `npm start` and `npm test` run this first, so the quick start is two commands on a fresh clone:
// it installs the locked dependencies (npm ci) when node_modules is missing or older than the
// lockfile, and does nothing otherwise. Plain JavaScript: it runs before TypeScript is installed.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const installed = path.join(root, 'node_modules', '.package-lock.json');
const lock = path.join(root, 'package-lock.json');

const mtime = (file) => (fs.existsSync(file) ? fs.statSync(file).mtimeMs : 0);
if (mtime(installed) > 0 && mtime(installed) >= mtime(lock)) process.exit(0);

console.log('Installing the locked dependencies (npm ci)…');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
