import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseBicep, type BicepFile } from './bicep/reader';
import { loadTypeData, type TypeData } from './bicep/schema';

/** The repository root (test/infra/ → ../..). */
export const repoRoot = path.resolve(__dirname, '../..');
export const infraDir = path.join(repoRoot, 'infra');
/** Shared type data, read in place beside the repository (CI clones the repo with shared/ next to it). */
export const bicepTypesDir = path.resolve(__dirname, '../../../shared/bicep-types');
export const referenceDir = path.resolve(__dirname, '../../../shared/reference');

export function bicepFiles(dir = infraDir): string[] {
    return fs
        .readdirSync(dir, { withFileTypes: true, recursive: true })
        .filter((e) => e.isFile() && e.name.endsWith('.bicep'))
        .map((e) => path.join(e.parentPath, e.name))
        .sort();
}

const parsed = new Map<string, BicepFile>();
export function readBicep(file: string): BicepFile {
    let result = parsed.get(file);
    if (!result) {
        result = parseBicep(fs.readFileSync(file, 'utf8'), path.relative(repoRoot, file));
        parsed.set(file, result);
    }
    return result;
}

let typeData: TypeData | undefined;
export function types(): TypeData {
    typeData ??= loadTypeData(bicepTypesDir);
    return typeData;
}
