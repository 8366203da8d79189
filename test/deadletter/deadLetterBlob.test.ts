import { describe, expect, it } from 'vitest';
import { parseDeadLetterBlob } from '../../shared/deadletter/deadLetterBlob';
import { decideIntake } from '../../shared/intake/decide';
import { DEFAULT_ROUTING_RULES } from '../../shared/intake/route';
import { deadLettered, eventSample } from './support';

describe('parseDeadLetterBlob: a JSON array of dead-lettered events', () => {
    it('gives back the published event (Event Grid schema) and the dead-letter metadata apart', () => {
        const original = eventSample('docs-2018-image-pushed.eventgrid.json');
        const parsed = parseDeadLetterBlob(JSON.stringify([deadLettered(original)]));
        expect(parsed).toEqual({
            ok: true,
            events: [{ event: original, info: { reason: 'MaxDeliveryAttemptsExceeded', deliveryAttempts: 30, lastDeliveryOutcome: 'TimedOut', lastHttpStatusCode: 408, publishTime: '2026-01-02T03:04:05.0265758Z' } }],
        });
        // What the intake gets is an event it understands, exactly as Event Grid would have delivered it.
        const { outcome } = decideIntake((parsed as unknown as { events: { event: unknown }[] }).events[0]!.event, DEFAULT_ROUTING_RULES, 'demo.azurecr.io');
        expect(outcome).toMatchObject({ ok: true, event: { eventId: '831e1650-001e-001b-66ab-eeb76e069631', repository: 'aci-helloworld', tag: 'v1' } });
    });

    it('reads the lower-case CloudEvents extension attributes, and several events in one blob', () => {
        const cloud = eventSample('docs-2021-image-pushed.cloudevents.json');
        const deleted = eventSample('docs-2018-image-deleted.eventgrid.json');
        const parsed = parseDeadLetterBlob(`\uFEFF${JSON.stringify([deadLettered(cloud, 'cloudevents'), deadLettered(deleted)])}`);
        expect(parsed.ok && parsed.events.map((e) => e.event)).toEqual([cloud, deleted]);
        expect(parsed.ok && parsed.events[0]!.info.reason).toBe('MaxDeliveryAttemptsExceeded');
    });

    it('refuses what is not a blob of events, with the reason', () => {
        expect(parseDeadLetterBlob('{"truncated": ')).toMatchObject({ ok: false, reason: expect.stringMatching(/^not JSON/) });
        expect(parseDeadLetterBlob('[]')).toEqual({ ok: false, reason: 'an empty array: no event to replay' });
        expect(parseDeadLetterBlob('"text"')).toEqual({ ok: false, reason: 'expected a JSON array of events, got string' });
    });

    it('keeps an entry that is not an object as it is, for the intake to reject and record', () => {
        expect(parseDeadLetterBlob('[42]')).toMatchObject({ ok: true, events: [{ event: 42, info: { reason: null } }] });
    });
});
