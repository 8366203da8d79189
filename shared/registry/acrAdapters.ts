import type { TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential } from '@azure/identity';
import { perApp } from '../app/runtime';
import { registryEndpoint, type Settings } from '../config/settings';
import { AcrConnection, type AcrClientOptions } from './acrConnection';
import { AcrRegistry } from './acrRegistry';
import { AcrTaskRunner } from './acrTaskRunner';
import { AcrTaskScanner } from './acrTaskScanner';
import type { Registry } from './registry';
import type { Scanner } from './scanner';
import type { TaskRunner } from './taskRunner';

/** The registry-facing adapters built from settings: one connection, shared by all of them. */
export interface AcrAdapters {
    readonly connection: AcrConnection;
    readonly registry: Registry;
    readonly taskRunner: TaskRunner;
    readonly scanner: Scanner;
}

type AcrSettings = Pick<
    Settings,
    'registryResourceId' | 'armEndpoint' | 'registryEndpoint' | 'registryLoginServer' | 'trivyImage' | 'trivyDbRepositories' | 'scanTimeoutSeconds'
>;

export function createAcrAdapters(settings: AcrSettings, credential: TokenCredential, clientOptions?: AcrClientOptions): AcrAdapters {
    const connection = new AcrConnection({
        credential,
        registryResourceId: settings.registryResourceId,
        armEndpoint: settings.armEndpoint,
        registryEndpoint: registryEndpoint(settings),
        loginServer: settings.registryLoginServer,
        ...(clientOptions ? { clientOptions } : {}),
    });
    const taskRunner = new AcrTaskRunner(connection);
    return {
        connection,
        registry: new AcrRegistry(connection),
        taskRunner,
        scanner: new AcrTaskScanner(taskRunner, {
            loginServer: settings.registryLoginServer,
            trivyImage: settings.trivyImage,
            dbRepositories: settings.trivyDbRepositories,
            scanTimeoutSeconds: settings.scanTimeoutSeconds,
        }),
    };
}

/**
 * Production credential: DefaultAzureCredential resolves to the Function App's managed identity
 * in Azure (it reads AZURE_CLIENT_ID itself to pick a user-assigned identity) and to a developer's
 * own sign-in elsewhere. Tests pass a fake credential to createAcrAdapters instead.
 */
export function defaultCredential(): TokenCredential {
    return new DefaultAzureCredential();
}

/** The app's adapters, built once per app lifetime from its settings. */
export const acrAdapters = perApp((settings) => createAcrAdapters(settings, defaultCredential()));
