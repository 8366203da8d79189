import * as fs from 'node:fs';
import { errorMessage } from '../errors/errorMessage';

/** The Functions default for host.json extensions.queues.maxDequeueCount. */
export const DEFAULT_MAX_DEQUEUE_COUNT = 5;

/**
 * How many deliveries of a queue message the host makes before it moves the message to
 * `<queue>-poison`: host.json `extensions.queues.maxDequeueCount` (default 5). The scan worker
 * reads it once so it knows when an attempt is the last one (then it records the `error` verdict
 * before the host parks the message). A missing file means the default; an unreadable or
 * invalid value is an error (the host itself would refuse it).
 */
export function readMaxDequeueCount(hostJsonPath: string): number {
    if (!fs.existsSync(hostJsonPath)) return DEFAULT_MAX_DEQUEUE_COUNT;
    let parsed: unknown;
    try {
        parsed = JSON.parse(fs.readFileSync(hostJsonPath, 'utf8'));
    } catch (err) {
        throw new Error(`${hostJsonPath} is not valid JSON: ${errorMessage(err)}`);
    }
    const value = (parsed as { extensions?: { queues?: { maxDequeueCount?: unknown } } } | null)?.extensions?.queues?.maxDequeueCount;
    if (value === undefined) return DEFAULT_MAX_DEQUEUE_COUNT;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
        throw new Error(`${hostJsonPath}: extensions.queues.maxDequeueCount must be a whole number >= 1, got ${JSON.stringify(value)}`);
    }
    return value;
}
