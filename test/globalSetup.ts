import type { TestProject } from 'vitest/node' with { 'resolution-mode': 'import' };
import { startAzurite, type AzuriteInstance } from '../local-host/azurite';

let azurite: AzuriteInstance | undefined;

/** One real Azurite for the whole run; each test isolates itself with its own queue and table names. */
export async function setup(project: TestProject): Promise<void> {
    azurite = await startAzurite();
    project.provide('azuriteConnectionString', azurite.connectionString);
}

export async function teardown(): Promise<void> {
    await azurite?.stop();
}

declare module 'vitest' {
    export interface ProvidedContext {
        azuriteConnectionString: string;
    }
}
