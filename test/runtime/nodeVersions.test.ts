import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');
const read = (file: string) => readFileSync(resolve(root, file), 'utf8');

describe('Node versions: 22 in Azure, 20 or 22 locally', () => {
    it('engines says Node >=22 (what Flex Consumption runs)', () => {
        expect((JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node).toBe('>=22.0.0');
    });

    it('the project npm config keeps the engine check a warning, whatever the user config says', () => {
        expect(read('.npmrc')).toMatch(/^engine-strict=false$/m);
        // npm reads it: a user-level engine-strict=true (given as an environment setting) loses to the project's.
        const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
        const got = spawnSync(npm, ['config', 'get', 'engine-strict'], { cwd: root, encoding: 'utf8', env: { ...process.env, npm_config_userconfig: resolve(root, 'test/fixtures/engine-strict.npmrc') } });
        expect(got.status).toBe(0);
        expect(got.stdout.trim()).toBe('false');
    });

    it('the README states both', () => {
        const readme = read('README.md');
        expect(readme).toMatch(/in Azure the app runs on\s+Node 22/);
        expect(readme).toMatch(/locally `npm start` and `npm test` run on Node 20\s+or 22/);
    });
});
