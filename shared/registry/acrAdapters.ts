import type { AzureAccess } from '../azure/azureAccess';
import { registryEndpoint, type Settings } from '../config/settings';
import { AcrConnection } from './acrConnection';
import { AcrRegistry } from './acrRegistry';
import { AcrTaskRunner } from './acrTaskRunner';
import { AcrTaskScanner } from './acrTaskScanner';
import type { Registry } from './registry';
import type { Scanner, ScanRuns } from './scanner';
import type { ManifestReader } from '../oci/manifestReader';
import { AcrManifestReader } from './acrManifestReader';
import type { TaskRunner } from './taskRunner';

/** The registry-facing adapters built from settings: one connection, shared by all of them. */
export interface AcrAdapters {
    readonly connection: AcrConnection;
    readonly registry: Registry;
    readonly taskRunner: TaskRunner;
    readonly scanner: Scanner;
    /** The same scanner in two steps (schedule, look, collect): the scan pipeline never waits for a run. */
    readonly scanRuns: ScanRuns;
    /** Manifest bytes by digest (the scan pipeline classifies what it is asked to scan). */
    readonly manifests: ManifestReader;
}

type AcrSettings = Pick<
    Settings,
    'registryResourceId' | 'registryRoleAssignmentMode' | 'armEndpoint' | 'registryEndpoint' | 'registryLoginServer' | 'trivyImage' | 'trivyDbRepositories' | 'scanTimeoutSeconds'
>;

/** The adapters for these settings, reaching Azure with `access` (the composition root passes the app's). */
export function createAcrAdapters(settings: AcrSettings, access: AzureAccess): AcrAdapters {
    const connection = new AcrConnection({
        credential: access.credential,
        registryResourceId: settings.registryResourceId,
        armEndpoint: settings.armEndpoint,
        registryEndpoint: registryEndpoint(settings),
        loginServer: settings.registryLoginServer,
        clientOptions: access.clientOptions,
    });
    const poll = access.pollIntervalMs;
    const taskRunner = new AcrTaskRunner(connection, {
        roleAssignmentMode: settings.registryRoleAssignmentMode,
        ...(poll !== undefined ? { schedulePollIntervalMs: poll } : {}),
    });
    const scanner = new AcrTaskScanner(taskRunner, {
        loginServer: settings.registryLoginServer,
        trivyImage: settings.trivyImage,
        dbRepositories: settings.trivyDbRepositories,
        scanTimeoutSeconds: settings.scanTimeoutSeconds,
        ...(poll !== undefined ? { pollIntervalMs: poll } : {}),
    });
    return {
        connection,
        registry: new AcrRegistry(connection, {
            ...(poll !== undefined ? { importPollIntervalMs: poll } : {}),
            ...(access.listPageSize !== undefined ? { pageSize: access.listPageSize } : {}),
        }),
        taskRunner,
        scanner,
        scanRuns: scanner,
        manifests: new AcrManifestReader(connection),
    };
}
