import { SEVERITIES, type Severity } from '../trivy/finding';

/**
 * Table storage limits we design against: an entity is at most 1 MiB with at most 255 properties;
 * a string property is at most 64 KiB of UTF-16, i.e. 32,768 characters; a batch is at most 100
 * operations and 4 MiB. Free text from a report is cut well below that so 100 rows always fit a batch.
 */
export const MAX_STRING_PROPERTY_CHARS = 32_000;

export function capString(value: string, max: number): string {
    return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}

/** Reads a string property that may be absent (we never write nulls: an absent property is null). */
export function optionalString(value: unknown): string | null {
    return typeof value === 'string' ? value : null;
}

export function requiredString(value: unknown, what: string): string {
    if (typeof value !== 'string') throw new Error(`stored entity is missing ${what}`);
    return value;
}

export function toDate(value: unknown): Date {
    if (value instanceof Date) return value;
    if (typeof value === 'string' || typeof value === 'number') return new Date(value);
    // Edm.DateTime read back without type conversion: { value, type }
    if (value && typeof value === 'object' && 'value' in value) return new Date(String((value as { value: unknown }).value));
    throw new Error(`stored entity has an unreadable date: ${String(value)}`);
}

export const toNumber = (value: unknown): number => (typeof value === 'number' ? value : Number(value ?? 0));

export function toSeverity(value: unknown): Severity {
    return (SEVERITIES as readonly unknown[]).includes(value) ? (value as Severity) : 'UNKNOWN';
}

export function parseJson<T>(value: unknown, fallback: T): T {
    if (typeof value !== 'string' || value === '') return fallback;
    try {
        return JSON.parse(value) as T;
    } catch {
        return fallback;
    }
}

/** Drops undefined and null values: Table storage has no null, an absent property reads back as null. */
export function withoutNulls<T extends Record<string, unknown>>(entity: T): T {
    return Object.fromEntries(Object.entries(entity).filter(([, v]) => v !== null && v !== undefined)) as T;
}
