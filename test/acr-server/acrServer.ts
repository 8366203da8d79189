import { startLocalRegistry, type LocalRegistry, type LocalRegistryOptions } from '../../local-registry/localRegistry';

/**
 * The tests' name for the local registry (local-registry/, grown from this folder): the same
 * server, with the test defaults: registry `acrguardtest`, HTTPS only, and task runs that succeed
 * with an empty log until a test plugs its own executor with `onRun` (see trivyScanRun.ts).
 */
export type AcrServer = LocalRegistry;
export type AcrServerOptions = LocalRegistryOptions;

export function startAcrServer(options: AcrServerOptions): Promise<AcrServer> {
    return startLocalRegistry({
        registryName: 'acrguardtest',
        executor: () => ({ status: 'Succeeded', log: 'no run behaviour configured\n' }),
        ...options,
    });
}

export { MEDIA_TYPES, RegistryState } from '../../local-registry/localRegistry';
export type { RunBehaviour, RunOutcome, RunStatus, ScheduledRun, TaskExecutor } from '../../local-registry/localRegistry';
