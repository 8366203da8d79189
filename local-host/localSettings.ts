import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';

const localSettingsSchema = z.object({
    IsEncrypted: z.boolean().optional(),
    Values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
}).loose();

/** The `Values` of `<root>/local.settings.json` (as strings), or undefined when the file does not exist. */
export function readLocalSettings(root: string): Record<string, string> | undefined {
    const file = path.join(root, 'local.settings.json');
    if (!fs.existsSync(file)) return undefined;
    let raw: unknown;
    try {
        raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
        throw new Error(`${file} is not valid JSON: ${(err as Error).message}`);
    }
    const parsed = localSettingsSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`${file} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    if (parsed.data.IsEncrypted) throw new Error(`${file} is encrypted; the local host reads plain values only.`);
    return Object.fromEntries(Object.entries(parsed.data.Values ?? {}).map(([k, v]) => [k, String(v)]));
}
