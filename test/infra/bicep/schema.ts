import * as fs from 'node:fs';
import * as path from 'node:path';
import { allResources, type BicepFile, type BicepValue, type ResourceDecl } from './reader';

/**
 * Checks resource declarations against the type data Bicep compiles with (shared/bicep-types:
 * api-versions.json and types.json, derived from Azure/bicep-types-az; format in its PROVENANCE.md).
 * Reports, per declaration and property path: unknown type or API version, unknown property,
 * a read-only property being set, a literal outside an enum, a literal of the wrong kind, a missing
 * required property, and a property that only another variant of a discriminated object defines.
 */

export interface PathType {
    readonly type: string;
    readonly enum?: readonly string[];
    readonly open?: boolean;
    readonly flags: readonly string[];
    readonly additionalProperties?: string;
    readonly discriminator?: string;
    readonly isDiscriminator?: boolean;
    readonly when?: Readonly<Record<string, readonly string[]>>;
    readonly alt?: readonly PathType[];
    readonly items?: string;
    readonly itemEnum?: readonly string[];
    readonly itemOpen?: boolean;
}

export interface TypeData {
    /** Lower-cased type → its API versions. */
    readonly apiVersions: ReadonlyMap<string, { readonly type: string; readonly versions: readonly string[] }>;
    /** Lower-cased 'type@version' → property path → description. */
    readonly bodies: ReadonlyMap<string, Readonly<Record<string, PathType>>>;
}

export function loadTypeData(dir: string): TypeData {
    const versions = JSON.parse(fs.readFileSync(path.join(dir, 'api-versions.json'), 'utf8')) as Record<string, string[]>;
    const types = JSON.parse(fs.readFileSync(path.join(dir, 'types.json'), 'utf8')) as Record<string, Record<string, PathType>>;
    return {
        apiVersions: new Map(Object.entries(versions).map(([type, list]) => [type.toLowerCase(), { type, versions: list }])),
        bodies: new Map(Object.entries(types).map(([key, body]) => [key.toLowerCase(), body])),
    };
}

export interface SchemaProblem {
    /** `file:line resource symbol 'Type@version'`. */
    readonly declaration: string;
    /** Property path (as in types.json), or '' for the declaration itself. */
    readonly path: string;
    readonly message: string;
}

export function formatProblem(p: SchemaProblem): string {
    return `${p.declaration}${p.path ? ` ${p.path}` : ''}: ${p.message}`;
}

/** Bicep's own resource keywords: not part of the upstream body types (PROVENANCE.md, "Left out"). */
const LANGUAGE_KEYWORDS = new Set(['scope', 'parent', 'dependsOn']);

const KIND_OF_LITERAL: Partial<Record<BicepValue['kind'], string>> = {
    string: 'string',
    interpolated: 'string',
    number: 'int',
    bool: 'bool',
    object: 'object',
    array: 'array',
    for: 'array',
    null: 'null',
};

export function checkFile(file: BicepFile, data: TypeData): SchemaProblem[] {
    return allResources(file).flatMap((decl) => checkResource(decl, data));
}

export function checkResource(decl: ResourceDecl, data: TypeData): SchemaProblem[] {
    const declaration = `${path.basename(decl.file)}:${decl.line} resource ${decl.symbol} '${decl.type}@${decl.apiVersion}'`;
    const problems: SchemaProblem[] = [];
    const report = (p: string, message: string) => problems.push({ declaration, path: p, message });

    const known = data.apiVersions.get(decl.type.toLowerCase());
    if (!known) {
        report('', `unknown resource type '${decl.type}'`);
        return problems;
    }
    if (!known.versions.includes(decl.apiVersion)) {
        report('', `unknown API version '${decl.apiVersion}' for ${known.type} (known: …${known.versions.slice(-4).join(', ')})`);
        return problems;
    }
    const body = data.bodies.get(`${decl.type}@${decl.apiVersion}`.toLowerCase());
    if (!body) {
        report('', `no property data for ${known.type}@${decl.apiVersion} in shared/bicep-types; use a version it covers`);
        return problems;
    }
    if (decl.body.kind !== 'object') {
        report('', `resource body is not an object literal (${decl.body.kind})`);
        return problems;
    }
    if (decl.existing) {
        // An `existing` reference may only name the resource (and its scope/parent).
        for (const prop of decl.body.properties) {
            if (prop.key !== 'name' && !LANGUAGE_KEYWORDS.has(prop.key)) report(prop.key, 'an existing resource may only set name, scope and parent');
        }
        return problems;
    }
    const walker = new Walker(body, report);
    walker.walkObject(decl.body, '', new Map(), true);
    return problems;
}

class Walker {
    constructor(
        private readonly body: Readonly<Record<string, PathType>>,
        private readonly report: (path: string, message: string) => void,
    ) {}

    /** The description of `p` that applies given the discriminator values seen so far. */
    private resolve(p: string, context: ReadonlyMap<string, string>): { entry?: PathType; wrongVariant?: string } {
        const entry = this.body[p];
        if (!entry) return {};
        const candidates = [entry, ...(entry.alt ?? [])];
        const applicable = candidates.filter((c) => this.applies(c, context) !== false);
        if (applicable.length > 0) return { entry: applicable[0] };
        const [discriminatorPath, values] = Object.entries(entry.when ?? {}).find(([k]) => context.has(k)) ?? ['', []];
        return { wrongVariant: `only for ${discriminatorPath} in [${values.join(', ')}], not '${context.get(discriminatorPath) ?? ''}'` };
    }

    /** false when a known discriminator value excludes the entry; undefined when unknown. */
    private applies(entry: PathType, context: ReadonlyMap<string, string>): boolean | undefined {
        for (const [discriminatorPath, values] of Object.entries(entry.when ?? {})) {
            const actual = context.get(discriminatorPath);
            if (actual === undefined) continue;
            if (!values.includes(actual)) return false;
        }
        return true;
    }

    private isReadOnly(p: string): boolean {
        // ReadOnly on an object applies to everything beneath it.
        const segments = p.split('.');
        for (let i = 1; i <= segments.length; i++) {
            const prefix = segments.slice(0, i).join('.');
            const entry = this.body[prefix] ?? this.body[prefix.replace(/\[\]$/, '')];
            if (entry?.flags.includes('ReadOnly')) return true;
        }
        return false;
    }

    walkObject(
        value: Extract<BicepValue, { kind: 'object' }>,
        base: string,
        outer: ReadonlyMap<string, string>,
        topLevel = false,
        baseEntry: PathType | undefined = base ? this.body[base] : undefined,
    ): void {
        const join = (key: string) => (base ? `${base}.${key}` : key);
        // Discriminator values of this object first, so its other properties resolve their variant.
        const context = new Map(outer);
        for (const prop of value.properties) {
            const p = join(prop.key);
            if (this.body[p]?.isDiscriminator && prop.value.kind === 'string') context.set(p, prop.value.value);
        }
        for (const prop of value.properties) {
            if (topLevel && LANGUAGE_KEYWORDS.has(prop.key)) continue;
            const p = join(prop.key);
            const { entry, wrongVariant } = this.body[p] ? this.resolve(p, context) : {};
            if (!entry) {
                // A dictionary (tags, appsettings, userAssignedIdentities): any key is allowed; the
                // values are described by the `*` entry (objects) or by additionalProperties.
                if (baseEntry?.additionalProperties !== undefined) {
                    const starPath = `${base}.*`;
                    if (this.body[starPath]) this.walkValue(prop.value, starPath, context);
                    else this.checkKind(prop.value, p, { type: baseEntry.additionalProperties, flags: [] });
                    continue;
                }
                this.report(p, wrongVariant ? `property not allowed here: ${wrongVariant}` : 'unknown property');
                continue;
            }
            if (this.isReadOnly(p)) {
                this.report(p, 'read-only property is set');
                continue;
            }
            this.walkValue(prop.value, p, context, entry);
        }
        if (!value.spread && baseEntry?.additionalProperties === undefined) this.checkRequired(value, base, context);
    }

    private checkRequired(value: Extract<BicepValue, { kind: 'object' }>, base: string, context: ReadonlyMap<string, string>): void {
        const present = new Set(value.properties.map((p) => p.key));
        const depth = base ? base.split('.').length + 1 : 1;
        for (const [p, entry] of Object.entries(this.body)) {
            if (!entry.flags.includes('Required') || entry.flags.includes('ReadOnly')) continue;
            if (base ? !p.startsWith(`${base}.`) : false) continue;
            const segments = p.split('.');
            if (segments.length !== depth) continue;
            const key = segments[segments.length - 1]!;
            if (key === '*' || present.has(key)) continue;
            if (this.applies(entry, context) === false) continue;
            // A discriminated variant we cannot determine (expression discriminator): do not guess.
            if (entry.when && Object.keys(entry.when).some((k) => !context.has(k))) continue;
            this.report(p, 'required property is missing');
        }
    }

    walkValue(value: BicepValue, p: string, context: ReadonlyMap<string, string>, entry: PathType | undefined = this.body[p]): void {
        if (!entry) return;
        switch (value.kind) {
            case 'ternary':
                this.walkValue(value.whenTrue, p, context, entry);
                this.walkValue(value.whenFalse, p, context, entry);
                return;
            case 'if':
                this.walkValue(value.body, p, context, entry);
                return;
            case 'expression':
            case 'interpolated':
                return; // Not a literal: nothing to check beyond the path itself.
            default:
                break;
        }
        if (!this.checkKind(value, p, entry)) return;
        if (value.kind === 'object') {
            if (entry.type.split('|').includes('any')) return;
            this.walkObject(value, p, context, false, entry);
        } else if (value.kind === 'array') {
            for (const item of value.items) this.walkItem(item, p, context, entry);
        } else if (value.kind === 'for') {
            this.walkItem(value.body, p, context, entry);
        }
    }

    private walkItem(item: BicepValue, arrayPath: string, context: ReadonlyMap<string, string>, arrayEntry: PathType): void {
        const itemPath = `${arrayPath}[]`;
        if (item.kind === 'if') return this.walkItem(item.body, arrayPath, context, arrayEntry);
        if (item.kind === 'ternary') {
            this.walkItem(item.whenTrue, arrayPath, context, arrayEntry);
            this.walkItem(item.whenFalse, arrayPath, context, arrayEntry);
            return;
        }
        if (item.kind === 'object') {
            if (arrayEntry.items !== 'object' && arrayEntry.items !== 'any') {
                this.report(arrayPath, `array items are ${arrayEntry.items ?? 'unknown'}, not objects`);
                return;
            }
            if (arrayEntry.items === 'any') return;
            this.walkObject(item, itemPath, context);
            return;
        }
        if (item.kind === 'string' && arrayEntry.itemEnum && !arrayEntry.itemOpen && !arrayEntry.itemEnum.includes(item.value)) {
            this.report(arrayPath, `'${item.value}' is not an allowed value (allowed: ${arrayEntry.itemEnum.join(', ')})`);
        }
        const itemKind = KIND_OF_LITERAL[item.kind];
        if (itemKind && arrayEntry.items && !arrayEntry.items.split('|').includes('any') && !arrayEntry.items.split('|').includes(itemKind)) {
            this.report(arrayPath, `array items are ${arrayEntry.items}, found a ${itemKind}`);
        }
    }

    /** Literal kind vs declared type, and enum membership; false when the value does not fit. */
    private checkKind(value: BicepValue, p: string, entry: PathType): boolean {
        const kind = KIND_OF_LITERAL[value.kind];
        if (!kind || kind === 'null') return true;
        const allowed = entry.type.split('|');
        if (!allowed.includes('any') && !allowed.includes(kind)) {
            this.report(p, `expected ${entry.type}, found a ${kind}`);
            return false;
        }
        if (value.kind === 'string' && entry.enum && !entry.open && !entry.enum.includes(value.value)) {
            this.report(p, `'${value.value}' is not an allowed value (allowed: ${entry.enum.join(', ')})`);
            return false;
        }
        return true;
    }
}
