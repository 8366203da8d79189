import type { AlertDetails, AlertKind, AlertSeverity, AlertSubject, KnownAlertKind } from './alert';

/**
 * Default severity per kind, and why. A bypass means an unvetted image is pullable from `live/`
 * right now; a failed or unscannable image in quarantine is the gate working (fail closed), so it
 * is lower. A caller may override the severity for one alert.
 */
export const DEFAULT_SEVERITY: Readonly<Record<KnownAlertKind, AlertSeverity>> = {
    'quarantine-bypass': 'critical', // unvetted digest reachable in live/
    'lock-failed': 'high', // a bypass we tried to contain is still pullable
    'promotion-failed': 'high', // a vetted image is not released; deployments wait
    'new-vulnerabilities': 'high', // a live image gained findings
    'scan-failed': 'medium', // stays in quarantine; the gate did its job
    'patch-failed': 'medium', // image stays unpatched, nothing new exposed
    'scan-error': 'low', // unscannable stays in quarantine (fail closed); ops should look
    'event-dead-lettered': 'high', // Event Grid gave up on a registry event: acr-guard saw it late (replayed), e.g. a live push checked hours after it happened
};

/** Severity for kinds this table does not know. */
export const FALLBACK_SEVERITY: AlertSeverity = 'medium';

export function defaultSeverity(kind: AlertKind): AlertSeverity {
    return (DEFAULT_SEVERITY as Record<string, AlertSeverity>)[kind] ?? FALLBACK_SEVERITY;
}

const reference = (s: AlertSubject) => `${s.registry}/${s.repository}${s.tag ? `:${s.tag}` : ''}@${s.digest}`;
const shortRef = (s: AlertSubject) => `${s.repository}${s.tag ? `:${s.tag}` : ''}@${s.digest.slice(0, 19)}`;

/** Human title and message when the caller gives none. Values come from validated input only. */
export function describeAlert(kind: AlertKind, subject: AlertSubject, details: AlertDetails): { title: string; message: string } {
    const ref = reference(subject);
    const by = details.actor ? ` by ${details.actor}` : '';
    const when = details.time ? ` at ${details.time}` : '';
    const why = details.error ?? details.reasons?.join('; ') ?? '';
    switch (kind) {
        case 'quarantine-bypass':
            return {
                title: `Quarantine bypass: ${shortRef(subject)}`,
                message: `${ref} reached ${subject.repository} without a recorded promotion of this digest${by}${when}${
                    details.operation ? ` (${details.operation})` : ''
                }.`,
            };
        case 'lock-failed':
            return { title: `Lock failed: ${shortRef(subject)}`, message: `Could not lock ${ref}${why ? `: ${why}` : ''}.` };
        case 'promotion-failed':
            return { title: `Promotion failed: ${shortRef(subject)}`, message: `Promotion of ${ref} failed${why ? `: ${why}` : ''}.` };
        case 'new-vulnerabilities':
            return {
                title: `New vulnerabilities: ${shortRef(subject)}`,
                message: `${ref} has ${details.vulnerabilityCount ?? details.vulnerabilities?.length ?? 'new'} new finding(s).`,
            };
        case 'scan-failed':
            return { title: `Scan failed the gate: ${shortRef(subject)}`, message: `${ref} stays in quarantine${why ? `: ${why}` : ''}.` };
        case 'scan-error':
            return { title: `Scan error: ${shortRef(subject)}`, message: `${ref} could not be scanned and stays in quarantine${why ? `: ${why}` : ''}.` };
        case 'event-dead-lettered':
            return {
                title: `Event dead-lettered: ${shortRef(subject)}`,
                message: `Event Grid could not deliver a registry event about ${ref}${why ? ` (${why})` : ''}; it was replayed from the dead-letter container.`,
            };
        case 'patch-failed':
            return { title: `Patch failed: ${shortRef(subject)}`, message: `Patching ${ref} failed${why ? `: ${why}` : ''}.` };
        default:
            return { title: `${kind}: ${shortRef(subject)}`, message: `${kind} for ${ref}${why ? `: ${why}` : ''}.` };
    }
}

/** CloudEvent type for a kind: `quarantine-bypass` -> `AcrGuard.Alert.QuarantineBypass`. */
export function cloudEventType(kind: AlertKind): string {
    const pascal = kind
        .split('-')
        .filter((p) => p.length > 0)
        .map((p) => p[0]!.toUpperCase() + p.slice(1))
        .join('');
    return `AcrGuard.Alert.${pascal}`;
}
