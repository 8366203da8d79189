import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * The shape the composition root depends on, checked on the source: no import cycle between the
 * folders of shared/, settings that import nothing from the domain, and function modules that load
 * only what their registration needs (the rest is imported by shared/app/createServices.ts on first use).
 */
const ROOT = path.resolve(__dirname, '../..');

function sourceFiles(dir: string): string[] {
    return readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })
        .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
        .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)));
}

/** Static imports and re-exports (`import … from`, `export … from`); dynamic import() is on-demand loading, not a dependency at load. */
function staticImports(file: string): string[] {
    const text = readFileSync(path.join(ROOT, file), 'utf8');
    return [...text.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'/gms)].map((m) => m[1]!);
}

const resolveRelative = (file: string, spec: string) => path.normalize(path.join(path.dirname(file), spec));

function areaGraph(): Map<string, Map<string, string>> {
    const graph = new Map<string, Map<string, string>>();
    for (const file of sourceFiles('shared')) {
        const from = file.split(path.sep)[1]!;
        for (const spec of staticImports(file).filter((s) => s.startsWith('.'))) {
            const target = resolveRelative(file, spec);
            if (!target.startsWith(`shared${path.sep}`)) continue;
            const to = target.split(path.sep)[1]!;
            if (to === from) continue;
            if (!graph.has(from)) graph.set(from, new Map());
            graph.get(from)!.set(to, file);
        }
    }
    return graph;
}

/** One cycle through `start`, as a list of areas, or null. */
function cycleFrom(graph: Map<string, Map<string, string>>, start: string): string[] | null {
    const stack: string[][] = [[start]];
    const seen = new Set<string>();
    while (stack.length > 0) {
        const trail = stack.pop()!;
        for (const next of graph.get(trail.at(-1)!)?.keys() ?? []) {
            if (next === start) return [...trail, next];
            if (!seen.has(next)) {
                seen.add(next);
                stack.push([...trail, next]);
            }
        }
    }
    return null;
}

describe('dependencies between the folders of shared/', () => {
    it('form no cycle', () => {
        const graph = areaGraph();
        const cycles = [...graph.keys()].map((area) => cycleFrom(graph, area)).filter((c): c is string[] => c !== null);
        expect(cycles.map((c) => c.join(' → '))).toEqual([]);
    });

    it('keep settings below the domain: shared/config imports only config, validation, oci and errors', () => {
        const allowed = new Set(['config', 'validation', 'oci', 'errors']);
        const outside = sourceFiles('shared/config').flatMap((file) =>
            staticImports(file)
                .filter((s) => s.startsWith('.'))
                .map((s) => resolveRelative(file, s).split(path.sep)[1]!)
                .filter((area) => !allowed.has(area))
                .map((area) => `${file} → ${area}`),
        );
        expect(outside).toEqual([]);
    });

    it('leave the composition to one root: only shared/app imports every area, and no area imports shared/app', () => {
        const graph = areaGraph();
        const intoApp = [...graph.entries()].filter(([from, to]) => from !== 'app' && to.has('app')).map(([, to]) => to.get('app'));
        expect(intoApp).toEqual([]);
    });
});

describe('function modules', () => {
    it('load only their registration at start-up (SDKs and services are imported on first use)', () => {
        const light = new Set(['@azure/functions', 'node:path', '../shared/storage/names', '../shared/storage/queueTrigger', '../shared/config/storageConnection', './services', '../shared/app/appRoot', '../shared/errors/errorMessage']);
        const heavy = sourceFiles('functions').flatMap((file) =>
            staticImports(file)
                .filter((spec) => !light.has(spec))
                // Type-only imports vanish at run time.
                .filter((spec) => !new RegExp(`^import type [^;]*'${spec.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}'`, 'm').test(readFileSync(path.join(ROOT, file), 'utf8')))
                .map((spec) => `${file} → ${spec}`),
        );
        expect(heavy).toEqual([]);
    });
});
