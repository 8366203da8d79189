import type { Settings } from '../config/settings';
import type { NormalisedEvent, RegistryEvent } from '../events/registryEvent';

/** What intake does with an event. */
export type Route = 'scan' | 'live-check' | 'record' | 'ignore' | 'reject';

/** The configurable part of routing (settings ACR_GUARD_QUARANTINE_PREFIX, _LIVE_PREFIX, _OTHER_REPOSITORIES). */
export type RoutingRules = Pick<Settings, 'quarantinePrefix' | 'livePrefix' | 'otherRepositories'>;

export const DEFAULT_ROUTING_RULES: RoutingRules = {
    quarantinePrefix: 'quarantine/',
    livePrefix: 'live/',
    otherRepositories: 'ignore',
};

export type RoutingDecision =
    | { readonly route: Exclude<Route, 'reject'>; readonly event: RegistryEvent; readonly why: string }
    | { readonly route: 'reject'; readonly reason: string };

/**
 * Pure routing: quarantine pushes are scanned, live pushes go to the live check, deletes and
 * chart events are recorded, pushes elsewhere follow `otherRepositories`, invalid events are
 * rejected with the normaliser's reason.
 */
export function routeEvent(outcome: NormalisedEvent, rules: RoutingRules): RoutingDecision {
    if (!outcome.ok) return { route: 'reject', reason: outcome.reason };
    const event = outcome.event;
    if (event.type !== 'Microsoft.ContainerRegistry.ImagePushed') {
        return { route: 'record', event, why: `${event.type.split('.').pop()} events are recorded` };
    }
    // Normalisation guarantees a valid repository for image pushes.
    const repository = event.repository ?? '';
    if (repository.startsWith(rules.quarantinePrefix)) {
        return { route: 'scan', event, why: `push into ${rules.quarantinePrefix}` };
    }
    if (repository.startsWith(rules.livePrefix)) {
        return { route: 'live-check', event, why: `push into ${rules.livePrefix}` };
    }
    return rules.otherRepositories === 'scan'
        ? { route: 'scan', event, why: 'push outside both prefixes (ACR_GUARD_OTHER_REPOSITORIES=scan)' }
        : { route: 'ignore', event, why: 'push outside both prefixes (ACR_GUARD_OTHER_REPOSITORIES=ignore)' };
}
