import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bicepFiles, compileReport, readText, repoRoot } from './arm';

// The compile lane itself: every template compiled by the real Bicep CLI and linted with the default
// rules, with no warning left. scripts/infra-check.js wrote the report these tests read.

describe('bicep build and bicep lint of infra/', () => {
    it('ran the real Bicep CLI', () => {
        expect(compileReport().bicep).toMatch(/^Bicep CLI version \d+\.\d+\.\d+/);
        expect(compileReport().buildExitCode).toBe(0);
        expect(compileReport().lintExitCode).toBe(0);
        expect(compileReport().otherOutput).toEqual([]);
    });

    it('covers main.bicep and every module', () => {
        expect(compileReport().files.map((f) => f.file)).toEqual(bicepFiles());
        expect(bicepFiles()).toEqual(expect.arrayContaining(['infra/main.bicep', 'infra/modules/function-app.bicep', 'infra/modules/event-subscription.bicep']));
    });

    it.each(bicepFiles())('%s compiles with no error and no warning', (file) => {
        const entry = compileReport().files.find((f) => f.file === file);
        expect(entry?.diagnostics.map((d) => `${d.line}: ${d.level} ${d.code} ${d.message}`)).toEqual([]);
        expect(fs.existsSync(path.join(repoRoot, entry!.json)), entry!.json).toBe(true);
    });

    it('lints with the default rules: bicepconfig.json overrides none without saying why in infra/README.md', () => {
        const config = JSON.parse(readText('bicepconfig.json')) as { analyzers: { core: { enabled: boolean; rules: Record<string, unknown> } } };
        expect(config.analyzers.core.enabled).toBe(true);
        const readme = readText('infra/README.md');
        expect(Object.keys(config.analyzers.core.rules).filter((rule) => !readme.includes(`\`${rule}\``))).toEqual([]);
    });
});
