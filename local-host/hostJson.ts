import * as fs from 'node:fs';
import { z } from 'zod';

/** The host.json settings the local host honours, with the Functions defaults filled in. */
export interface HostConfig {
    readonly queues: QueueOptions;
    /** `extensions.http.routePrefix` (default `api`; empty = no prefix). */
    readonly routePrefix: string;
}

export interface QueueOptions {
    readonly messageEncoding: 'base64' | 'none';
    readonly batchSize: number;
    readonly newBatchThreshold: number;
    readonly maxPollingIntervalMs: number;
    readonly visibilityTimeoutMs: number;
    readonly maxDequeueCount: number;
}

/** `[d.]hh:mm:ss[.fff]`, the TimeSpan format host.json uses. */
export function parseTimeSpan(value: string, setting: string): number {
    const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,7}))?$/.exec(value.trim());
    if (!match) throw new Error(`host.json ${setting} "${value}" is not a TimeSpan ([d.]hh:mm:ss[.fff])`);
    const [, d, h, m, s, frac] = match;
    const fraction = frac ? Number(`0.${frac}`) : 0;
    return ((Number(d ?? 0) * 24 + Number(h)) * 3600 + Number(m) * 60 + Number(s) + fraction) * 1000;
}

const timeSpan = z.string();
const hostJsonSchema = z.object({
    version: z.string().optional(),
    extensions: z
        .object({
            queues: z
                .object({
                    messageEncoding: z.enum(['base64', 'none']).optional(),
                    batchSize: z.number().int().min(1).max(32).optional(),
                    newBatchThreshold: z.number().int().min(0).optional(),
                    maxPollingInterval: timeSpan.optional(),
                    visibilityTimeout: timeSpan.optional(),
                    maxDequeueCount: z.number().int().min(1).optional(),
                })
                .loose()
                .optional(),
            http: z.object({ routePrefix: z.string().optional() }).loose().optional(),
        })
        .loose()
        .optional(),
}).loose();

/** Reads and validates host.json; a missing file means all defaults. */
export function readHostJson(file: string): HostConfig {
    let raw: unknown = {};
    if (fs.existsSync(file)) {
        try {
            raw = JSON.parse(fs.readFileSync(file, 'utf8'));
        } catch (err) {
            throw new Error(`${file} is not valid JSON: ${(err as Error).message}`);
        }
    }
    const parsed = hostJsonSchema.safeParse(raw);
    if (!parsed.success) {
        throw new Error(`${file} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    const q = parsed.data.extensions?.queues ?? {};
    const batchSize = q.batchSize ?? 16;
    const maxPollingIntervalMs = q.maxPollingInterval ? parseTimeSpan(q.maxPollingInterval, 'extensions.queues.maxPollingInterval') : 60_000;
    if (maxPollingIntervalMs < 100) throw new Error(`host.json extensions.queues.maxPollingInterval must be at least 00:00:00.100`);
    return {
        routePrefix: (parsed.data.extensions?.http?.routePrefix ?? 'api').replace(/^\/+|\/+$/g, ''),
        queues: {
            messageEncoding: q.messageEncoding ?? 'base64',
            batchSize,
            newBatchThreshold: q.newBatchThreshold ?? Math.floor(batchSize / 2),
            maxPollingIntervalMs,
            visibilityTimeoutMs: q.visibilityTimeout ? parseTimeSpan(q.visibilityTimeout, 'extensions.queues.visibilityTimeout') : 0,
            maxDequeueCount: q.maxDequeueCount ?? 5,
        },
    };
}
