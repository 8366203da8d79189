import { describe, expect, inject, it } from 'vitest';
import type { EventRecord } from '../../shared/intake/eventStore';
import { TableRegistryEventStore } from '../../shared/intake/tableEventStore';
import { freshTable, uniqueNames } from '../support/intakeFixtures';

function record(id: string, slot = 'ImagePushed'): EventRecord {
    return {
        key: { id, slot },
        route: 'ignore',
        reason: 'test',
        event: { eventId: id } as EventRecord['event'],
        warnings: [],
        raw: null,
        receivedAt: '2024-05-01T10:00:00.000Z',
        scanRequestId: null,
    };
}

describe('TableRegistryEventStore (group commit) against Azurite', () => {
    it('answers concurrent inserts one by one, even when one of a batch already exists', async () => {
        const store = new TableRegistryEventStore(await freshTable(inject('azuriteConnectionString'), uniqueNames('Store').table));
        expect(await store.insert(record('existing'))).toBe(true);
        // Submitted together: the first two go out alone (two in flight), the rest wait and form one
        // transaction, which fails on "existing"; the fallback answers each one.
        const ids = ['n1', 'n2', 'existing', 'n3', 'odd/id?#%'];
        const answers = await Promise.all(ids.map((id) => store.insert(record(id))));
        expect(answers).toEqual([true, true, false, true, true]);
        const read = await Promise.all([...ids, 'missing'].map((id) => store.get({ id, slot: 'ImagePushed' })));
        expect(read.map((r) => r?.key.id ?? null)).toEqual([...ids, null]);
        // Same id, other slot: a different record.
        expect(await store.get({ id: 'n1', slot: 'ImageDeleted' })).toBeUndefined();
    });

    it('reads many keys at once (more than one filter chunk)', async () => {
        const store = new TableRegistryEventStore(await freshTable(inject('azuriteConnectionString'), uniqueNames('Store').table));
        const ids = Array.from({ length: 30 }, (_, i) => `id-${i}`);
        expect(await Promise.all(ids.map((id) => store.insert(record(id))))).toEqual(ids.map(() => true));
        const found = await Promise.all([...ids, 'x', 'y'].map((id) => store.get({ id, slot: 'ImagePushed' })));
        expect(found.map((r) => r?.key.id ?? null)).toEqual([...ids, null, null]);
    });
});
