import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The app root: the nearest folder above this module holding host.json (the Functions app
 * folder, wwwroot in Azure; the repository when run from source or dist/). Relative paths in
 * settings (the gate policy file) resolve against it.
 */
export function appRoot(start: string = __dirname): string {
    for (let dir = start; ; ) {
        if (fs.existsSync(path.join(dir, 'host.json'))) return dir;
        const parent = path.dirname(dir);
        if (parent === dir) throw new Error(`no host.json found above ${start}: cannot tell the app root`);
        dir = parent;
    }
}
