import { normaliseEvent } from '../events/normalise';
import type { NormalisedEvent } from '../events/registryEvent';
import { routeEvent, type RoutingDecision, type RoutingRules } from './route';

/**
 * Normalise and route one input without side effects: what intake will do with it. A push to
 * scan needs a registry: the event's own, else `defaultRegistry` (the configured login server).
 */
export function decideIntake(
    input: unknown,
    rules: RoutingRules,
    defaultRegistry: string | null,
): { outcome: NormalisedEvent; decision: RoutingDecision } {
    const outcome = normaliseEvent(input);
    let decision = routeEvent(outcome, rules);
    if (decision.route === 'scan' && !(decision.event.registry ?? defaultRegistry)) {
        decision = { route: 'reject', reason: 'push to scan names no registry and no default login server is configured' };
    }
    return { outcome, decision };
}
