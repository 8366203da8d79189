import * as fs from 'node:fs';
import { z } from 'zod';

/** The host.json settings the local host honours, with the Functions defaults filled in. */
export interface HostConfig {
    readonly queues: QueueOptions;
    /**
     * `functionTimeout` in ms; undefined = no limit (`"-1"`). Absent: 30 minutes, the host's
     * default outside the Consumption plan (there it is 5 minutes).
     */
    readonly functionTimeoutMs: number | undefined;
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

/** ms as a TimeSpan the way .NET prints it in the host's messages (`00:30:00`, `00:00:01.5000000`). */
export function formatTimeSpan(ms: number): string {
    const totalSeconds = Math.floor(ms / 1000);
    const pad = (n: number) => String(n).padStart(2, '0');
    const days = Math.floor(totalSeconds / 86_400);
    const clock = `${pad(Math.floor((totalSeconds % 86_400) / 3600))}:${pad(Math.floor((totalSeconds % 3600) / 60))}:${pad(totalSeconds % 60)}`;
    const fraction = ms % 1000 === 0 ? '' : `.${String(Math.round((ms % 1000) * 10_000)).padStart(7, '0')}`;
    return `${days > 0 ? `${days}.` : ''}${clock}${fraction}`;
}

const timeSpan = z.string();
const DEFAULT_FUNCTION_TIMEOUT_MS = 30 * 60_000;

/** host.json `functionTimeout`: a TimeSpan of at least one second, or `-1` (unbounded; Premium and Dedicated plans). */
function parseFunctionTimeout(value: string | null | undefined): number | undefined {
    if (value === undefined || value === null) return DEFAULT_FUNCTION_TIMEOUT_MS;
    if (value.trim() === '-1') return undefined;
    const ms = parseTimeSpan(value, 'functionTimeout');
    if (ms < 1000) throw new Error(`host.json functionTimeout must be at least 00:00:01 (or -1 for no limit), not "${value}"`);
    return ms;
}

const hostJsonSchema = z.object({
    version: z.string().optional(),
    functionTimeout: z.string().nullable().optional(),
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
        functionTimeoutMs: parseFunctionTimeout(parsed.data.functionTimeout),
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
