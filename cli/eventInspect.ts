import { readFile } from 'node:fs/promises';
import { settingsCatalog } from '../shared/config/settings';
import { readSettings } from '../shared/config/setting';
import { SettingsError } from '../shared/config/settingsError';
import { isRegistry } from '../shared/oci/reference';
import { decideIntake } from '../shared/intake/decide';
import type { Route, RoutingRules } from '../shared/intake/route';
import type { CliCommand, CliIo } from './io';
import { errorMessage } from '../shared/errors/errorMessage';

/** One line of `acr-guard event inspect` output. */
export interface InspectedEvent {
    id: string | null;
    type: string | null;
    schema: string | null;
    registry: string | null;
    repository: string | null;
    tag: string | null;
    digest: string | null;
    mediaType: string | null;
    action: string | null;
    actor: string | null;
    userAgent: string | null;
    time: string | null;
    route: Route;
    /** Why the event was rejected (only when route is `reject`). */
    reason?: string;
    /** Why the route was chosen (otherwise). */
    because?: string;
    warnings: readonly string[];
}

/**
 * Routing comes from the same settings the app reads (ACR_GUARD_QUARANTINE_PREFIX, …) when they
 * are set, else their defaults, so a platform engineer sees what the deployed app would do.
 */
function routingFrom(env: Record<string, string | undefined>): { rules: RoutingRules; defaultRegistry: string | null } {
    const { quarantinePrefix, livePrefix, otherRepositories } = settingsCatalog;
    const rules = readSettings({ quarantinePrefix, livePrefix, otherRepositories }, env);
    const loginServer = env[settingsCatalog.registryLoginServer.name]?.trim().toLowerCase();
    return { rules, defaultRegistry: loginServer && isRegistry(loginServer) ? loginServer : null };
}

export function inspectEvents(payload: unknown, rules: RoutingRules, defaultRegistry: string | null): InspectedEvent[] {
    const inputs = Array.isArray(payload) ? payload : [payload];
    return inputs.map((input) => {
        const { outcome, decision } = decideIntake(input, rules, defaultRegistry);
        const e = outcome.ok ? outcome.event : outcome.partial;
        const line: InspectedEvent = {
            id: e.eventId,
            type: e.type,
            schema: e.schema,
            registry: e.registry,
            repository: e.repository,
            tag: e.tag,
            digest: e.digest,
            mediaType: e.mediaType,
            action: e.action,
            actor: e.actor,
            userAgent: e.userAgent,
            time: e.time,
            route: decision.route,
            ...(decision.route === 'reject' ? { reason: decision.reason } : { because: decision.why }),
            warnings: outcome.warnings,
        };
        return line;
    });
}

async function run(args: string[], io: CliIo): Promise<number> {
    const files = args.filter((a) => !a.startsWith('-'));
    const unknown = args.filter((a) => a.startsWith('-'));
    if (files.length !== 1 || unknown.length > 0) {
        io.stderr(`usage: acr-guard ${eventInspectCommand.usage}`);
        return 2;
    }
    const file = files[0]!;
    let routing: ReturnType<typeof routingFrom>;
    try {
        routing = routingFrom(io.env ?? {});
    } catch (err) {
        if (!(err instanceof SettingsError)) throw err;
        io.stderr(err.message);
        return 2;
    }
    let text: string;
    try {
        text = await readFile(file, 'utf8');
    } catch (err) {
        io.stderr(`acr-guard event inspect: cannot read ${file}: ${errorMessage(err)}`);
        return 2;
    }
    let payload: unknown;
    try {
        payload = JSON.parse(text) as unknown;
    } catch (err) {
        io.stderr(`acr-guard event inspect: ${file} is not JSON: ${errorMessage(err)}`);
        return 2;
    }
    const inspected = inspectEvents(payload, routing.rules, routing.defaultRegistry);
    io.stdout(JSON.stringify(inspected, null, 2));
    return inspected.some((e) => e.route === 'reject') ? 1 : 0;
}

export const eventInspectCommand: CliCommand = {
    words: ['event', 'inspect'],
    usage: 'event inspect FILE',
    summary: 'print the normalised events of FILE and the route intake would take',
    details: [
        'FILE holds one event or an array of events, in the Event Grid schema or CloudEvents 1.0.',
        'Prints a JSON array, one object per event: id, type, schema, registry, repository, tag, digest,',
        'mediaType, action, actor, userAgent, time (null where absent), route (scan, live-check, record,',
        'ignore or reject), reason (when rejected) or because (why the route), and warnings.',
        'Routing uses ACR_GUARD_QUARANTINE_PREFIX, ACR_GUARD_LIVE_PREFIX and ACR_GUARD_OTHER_REPOSITORIES',
        'from the environment when set, else their defaults (quarantine/, live/, ignore).',
        'Exit 0: every event understood; 1: some rejected; 2: FILE missing or not JSON, or a usage error.',
    ].join('\n'),
    run,
};
