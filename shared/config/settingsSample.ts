import { settingsCatalog } from './settings';
import { STORAGE_CONNECTION } from './storageConnection';

/**
 * The content of local.settings.sample.json, derived from the settings catalog so the two can
 * never drift (a test compares them; `npm run settings:sample` rewrites the file). `Values` work
 * locally as they are (Azurite); `Meanings` says what each setting is, as the README does.
 */
export function settingsSample(): Record<string, unknown> {
    const values: Record<string, string> = {
        FUNCTIONS_WORKER_RUNTIME: 'node',
        AzureWebJobsStorage: 'UseDevelopmentStorage=true',
        [STORAGE_CONNECTION]: 'UseDevelopmentStorage=true',
    };
    const meanings: Record<string, string> = {
        FUNCTIONS_WORKER_RUNTIME: 'the Functions language worker: node',
        AzureWebJobsStorage: 'storage the Functions host itself uses (timers, keys); identity-based in Azure',
        [STORAGE_CONNECTION]: 'storage connection for the app\'s queues and tables: a connection string locally, identity-based settings in Azure (see IdentityBasedStorageInAzure)',
    };
    for (const spec of Object.values(settingsCatalog)) {
        const fallback = spec.schema.safeParse(undefined);
        // Required settings get their example; settings with a default show it; optional ones stay empty.
        const value = !fallback.success ? spec.example : fallback.data === undefined ? '' : Array.isArray(fallback.data) ? fallback.data.join(',') : String(fallback.data);
        values[spec.name] = value;
        meanings[spec.name] = `${spec.meaning} (e.g. ${spec.example})`;
    }
    return {
        IsEncrypted: false,
        Values: values,
        IdentityBasedStorageInAzure: {
            _comment:
                'Not read locally. In Azure, replace ACR_GUARD_STORAGE (and AzureWebJobsStorage) by these identity-based settings, as the Functions host reads them; omit __clientId for a system-assigned identity.',
            [`${STORAGE_CONNECTION}__queueServiceUri`]: 'https://stacrguard.queue.core.windows.net',
            [`${STORAGE_CONNECTION}__tableServiceUri`]: 'https://stacrguard.table.core.windows.net',
            [`${STORAGE_CONNECTION}__credential`]: 'managedidentity',
            [`${STORAGE_CONNECTION}__clientId`]: '00000000-0000-0000-0000-000000000000',
        },
        Meanings: meanings,
    };
}

export const settingsSampleText = () => `${JSON.stringify(settingsSample(), null, 2)}\n`;

/** The README's settings table (between `<!-- settings:start -->` and `<!-- settings:end -->`). */
export function settingsMarkdownTable(): string {
    const rows = Object.values(settingsCatalog).map((spec) => {
        const fallback = spec.schema.safeParse(undefined);
        const required = !fallback.success ? 'required' : fallback.data === undefined ? 'optional' : `default \`${Array.isArray(fallback.data) ? fallback.data.join(',') : String(fallback.data)}\``;
        return `| \`${spec.name}\` | ${required} | ${spec.meaning.replace(/\|/g, '\\|')} |`;
    });
    return [
        '| setting | | meaning |',
        '| --- | --- | --- |',
        `| \`${STORAGE_CONNECTION}\` | required | storage for the app's queues and tables: a connection string, or the identity-based \`${STORAGE_CONNECTION}__*\` settings below |`,
        '| `AzureWebJobsStorage` | required | storage of the Functions host itself (identity-based `AzureWebJobsStorage__*` in Azure) |',
        ...rows,
    ].join('\n');
}

const README_START = '<!-- settings:start (npm run settings:sample) -->';
const README_END = '<!-- settings:end -->';

/** The README with its settings table replaced by the current one. */
export function readmeWithSettings(readme: string): string {
    const start = readme.indexOf(README_START);
    const end = readme.indexOf(README_END);
    if (start < 0 || end < start) throw new Error(`README.md has no ${README_START} … ${README_END} block`);
    return `${readme.slice(0, start + README_START.length)}\n${settingsMarkdownTable()}\n${readme.slice(end)}`;
}
