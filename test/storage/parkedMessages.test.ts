import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { QueueClient } from '@azure/storage-queue';
import { describe, expect, inject, it } from 'vitest';
import { decodeParkedMessage, PARKED_LOG_PREFIX, QueueMessageParking } from '../../shared/storage/parkedMessages';
import { uniqueNames } from '../support/intakeFixtures';

describe('QueueMessageParking on Azurite', () => {
    it('writes the parked message to <queue>-poison, then one ACR_GUARD_PARKED line naming queue and reason', async () => {
        const azurite = inject('azuriteConnectionString');
        const { queue } = uniqueNames('park');
        const poison = new QueueClient(azurite, `${queue}-poison`);
        await poison.create();
        const lines: string[] = [];
        const parking = new QueueMessageParking((q) => new QueueClient(azurite, `${q}-poison`), () => new Date('2026-01-02T03:04:05Z'), (l) => lines.push(l));

        await parking.park(queue, '{"not":"a scan request"}', 'malformed scan request: repository is missing');

        const [stored] = (await poison.receiveMessages()).receivedMessageItems;
        expect(decodeParkedMessage(stored!.messageText)).toMatchObject({ queue, message: '{"not":"a scan request"}', reason: 'malformed scan request: repository is missing' });
        expect(lines).toHaveLength(1);
        expect(lines[0]!.startsWith(PARKED_LOG_PREFIX)).toBe(true);
        expect(JSON.parse(lines[0]!.slice(PARKED_LOG_PREFIX.length))).toEqual({ queue, reason: 'malformed scan request: repository is missing', parkedAt: '2026-01-02T03:04:05.000Z' });
        // The message itself stays out of the log (it may carry anything a sender put in it).
        expect(lines[0]).not.toContain('not":"a scan');
    });

    it('writes no line when the poison queue could not be written (the caller fails, the host retries)', async () => {
        const azurite = inject('azuriteConnectionString');
        const lines: string[] = [];
        const parking = new QueueMessageParking(() => new QueueClient(azurite, `missing-${uniqueNames('x').queue}`), undefined, (l) => lines.push(l));
        await expect(parking.park('q', 'm', 'r')).rejects.toThrow();
        expect(lines).toEqual([]);
    });

    it('the prefix is the one the poison-queue alert rule matches (infra/modules/alerts.bicep)', () => {
        const bicep = readFileSync(resolve(__dirname, '../../infra/modules/alerts.bicep'), 'utf8');
        expect(bicep).toContain(`message startswith "${PARKED_LOG_PREFIX}"`);
    });
});
