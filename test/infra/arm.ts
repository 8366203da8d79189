import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Reading the ARM JSON that `npm run infra:check` compiled with the real Bicep CLI into
 * .cache/infra/arm/ (one file per .bicep, modules inlined as nested deployments). Expressions stay
 * ARM expression strings (`[...]`); tests assert on their shape, and resolve the two things they
 * need to follow: a nested deployment's template, and `variables('roleIds').x` to a role id.
 */

export const repoRoot = path.resolve(__dirname, '../..');
export const infraDir = path.join(repoRoot, 'infra');
export const armDir = path.join(repoRoot, '.cache', 'infra', 'arm');
export const reportFile = path.join(repoRoot, '.cache', 'infra', 'compile-report.json');
export const referenceDir = path.resolve(repoRoot, '../shared/reference');

export interface ArmResource {
    readonly type: string;
    readonly name: string;
    readonly apiVersion?: string;
    readonly condition?: string | boolean;
    readonly scope?: string;
    readonly resourceGroup?: string;
    readonly existing?: boolean;
    readonly location?: string;
    readonly kind?: string;
    readonly tags?: unknown;
    readonly identity?: Record<string, unknown>;
    readonly copy?: { name: string; count: unknown };
    readonly properties?: Record<string, any>;
    /** Symbolic name (templates with languageVersion 2.0 key their resources by it). */
    readonly symbol?: string;
}

export interface ArmParameter {
    readonly type: string;
    readonly defaultValue?: unknown;
    readonly allowedValues?: unknown[];
    readonly minValue?: number;
    readonly maxValue?: number;
}

export interface ArmTemplate {
    readonly languageVersion?: string;
    readonly parameters?: Record<string, ArmParameter>;
    readonly variables?: Record<string, any>;
    readonly resources: ArmResource[] | Record<string, ArmResource>;
    readonly outputs?: Record<string, { type: string; value: unknown }>;
}

export interface CompileReport {
    readonly bicep: string;
    readonly buildExitCode: number;
    readonly lintExitCode: number;
    readonly files: { file: string; json: string; diagnostics: { level: string; code: string; message: string; line: number }[] }[];
    readonly otherOutput: string[];
}

export function compileReport(): CompileReport {
    if (!fs.existsSync(reportFile)) throw new Error(`${path.relative(repoRoot, reportFile)} is missing: run \`npm run infra:check\` (it compiles infra/ first)`);
    return JSON.parse(fs.readFileSync(reportFile, 'utf8')) as CompileReport;
}

const cache = new Map<string, ArmTemplate>();
/** The compiled template of `infra/<relative>.bicep`, e.g. `loadArm('main')`, `loadArm('modules/alerts')`. */
export function loadArm(relative: string): ArmTemplate {
    let template = cache.get(relative);
    if (!template) {
        const file = path.join(armDir, `${relative}.json`);
        if (!fs.existsSync(file)) throw new Error(`${path.relative(repoRoot, file)} is missing: infra/${relative}.bicep did not compile (see the infra:check output)`);
        template = JSON.parse(fs.readFileSync(file, 'utf8')) as ArmTemplate;
        cache.set(relative, template);
    }
    return template;
}

export function resourcesOf(template: ArmTemplate): ArmResource[] {
    return Array.isArray(template.resources)
        ? template.resources
        : Object.entries(template.resources).map(([symbol, r]) => ({ ...r, symbol }));
}

/** The module `name` of a template: its deployment resource and the template it deploys. */
export function moduleOf(template: ArmTemplate, name: string): { deployment: ArmResource; template: ArmTemplate } {
    const deployment = resourcesOf(template).find((r) => r.type === 'Microsoft.Resources/deployments' && r.name === name);
    if (!deployment?.properties?.template) throw new Error(`no module '${name}' in the template`);
    return { deployment, template: deployment.properties.template as ArmTemplate };
}

/** Every template reachable from `template`, itself first, with the module path that leads to it. */
export function allTemplates(template: ArmTemplate, at = 'main'): { at: string; template: ArmTemplate; deployment?: ArmResource }[] {
    const out: { at: string; template: ArmTemplate; deployment?: ArmResource }[] = [{ at, template }];
    for (const r of resourcesOf(template)) {
        if (r.type === 'Microsoft.Resources/deployments' && r.properties?.template) {
            const nested = allTemplates(r.properties.template as ArmTemplate, `${at}/${r.name}`);
            nested[0] = { ...nested[0]!, deployment: r };
            out.push(...nested);
        }
    }
    return out;
}

export function resourcesOfType(template: ArmTemplate, type: string): ArmResource[] {
    return resourcesOf(template).filter((r) => r.type.toLowerCase() === type.toLowerCase());
}

/**
 * The role definition a role assignment names: a built-in id through `variables('roleIds').key`
 * (the imported roles.bicep map), or the expression itself for anything else (custom roles).
 */
export function roleOf(template: ArmTemplate, assignment: ArmResource): { key?: string; id?: string; expression: string } {
    const expression = String(assignment.properties?.roleDefinitionId ?? '');
    const m = /variables\('roleIds'\)\.(\w+)/.exec(expression);
    if (!m) return { expression };
    const id = (template.variables?.roleIds as Record<string, string> | undefined)?.[m[1]!];
    return { key: m[1]!, id, expression };
}

export function readText(relative: string): string {
    return fs.readFileSync(path.join(repoRoot, relative), 'utf8');
}

export function bicepFiles(): string[] {
    return fs
        .readdirSync(infraDir, { withFileTypes: true, recursive: true })
        .filter((e) => e.isFile() && e.name.endsWith('.bicep'))
        .map((e) => path.relative(repoRoot, path.join(e.parentPath, e.name)))
        .sort();
}
