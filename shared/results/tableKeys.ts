import { createHash, randomBytes } from 'node:crypto';

/**
 * Deterministic, injective encoding of free text (digests, vulnerability ids) into Azure Table
 * PartitionKey/RowKey parts.
 *
 * Table keys must not contain / \ # ? or control characters (U+0000-U+001F, U+007F-U+009F), are at
 * most 1 KiB, and a few other characters (%, ', +) are known to misbehave in the URL of point
 * operations. So every character outside [A-Za-z0-9._:-] is written as `!` followed by the two
 * upper-case hex digits of each of its UTF-8 bytes (`/` -> `!2F`, `!` -> `!21`). The result only
 * ever contains [A-Za-z0-9._:!-]: it never contains the `~` we use to join parts, so
 * `a~b` sorts and splits unambiguously and `prefix~` .. `prefix~~` is exactly the range of keys
 * that start with one encoded part. Parts longer than MAX_PART are cut and suffixed with `!!` and
 * a hash of the whole text (`!!` cannot occur in a normal encoding), keeping keys short and unique.
 */
export const KEY_SEPARATOR = '~';
const SAFE = /^[A-Za-z0-9._:-]$/;
const MAX_PART = 240;

const ALL_SAFE = /^[A-Za-z0-9._:-]*$/;

export function encodeKeyPart(text: string): string {
    // Digests and most vulnerability ids need no escaping: skip the per-character walk.
    if (text.length <= MAX_PART && ALL_SAFE.test(text)) return text;
    let out = '';
    for (const ch of text) {
        if (SAFE.test(ch)) {
            out += ch;
            continue;
        }
        for (const byte of Buffer.from(ch, 'utf8')) out += `!${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
    if (out.length <= MAX_PART) return out;
    return `${out.slice(0, MAX_PART - 18)}!!${shortHash(text)}`;
}

/** The inverse of encodeKeyPart for parts that were not shortened. */
export function decodeKeyPart(part: string): string {
    const bytes: number[] = [];
    for (let i = 0; i < part.length; ) {
        if (part[i] === '!' && /^[0-9A-F]{2}$/.test(part.slice(i + 1, i + 3))) {
            bytes.push(parseInt(part.slice(i + 1, i + 3), 16));
            i += 3;
        } else {
            bytes.push(part.charCodeAt(i));
            i += 1;
        }
    }
    return Buffer.from(bytes).toString('utf8');
}

/** 16 hex digits (64 bits) of SHA-256: collisions within one image are not a practical concern. */
export function shortHash(text: string): string {
    return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16);
}

export const joinKey = (...parts: string[]) => parts.join(KEY_SEPARATOR);

/** An OData filter clause selecting every RowKey that starts with `prefix~` (prefix already encoded). */
export function rowKeyRange(prefix: string): { from: string; to: string } {
    return { from: `${prefix}${KEY_SEPARATOR}`, to: `${prefix}${KEY_SEPARATOR}${KEY_SEPARATOR}` };
}

/**
 * A write generation: every recordScan writes its vulnerability rows under a fresh generation and
 * flips the summary to it last. The leading base-36 milliseconds make generations sortable and
 * tell how old an abandoned one is; the random tail keeps two writers in the same millisecond apart.
 */
export function newGeneration(now: Date = new Date()): string {
    return `g${now.getTime().toString(36).padStart(9, '0')}${randomBytes(3).toString('hex')}`;
}

export function generationTime(generation: string): Date | null {
    const match = /^g([0-9a-z]{9})[0-9a-f]{6}$/.exec(generation);
    return match ? new Date(parseInt(match[1] as string, 36)) : null;
}

/**
 * The vulnerability index spreads vulnerability ids over a fixed number of partitions (buckets) so
 * that one image's index rows go out in a few 100-row batches instead of one request per id, while
 * "which images carry CVE-X?" stays one query: one partition, one RowKey range.
 */
export const INDEX_BUCKETS = 16;

export function indexPartition(vulnerabilityId: string): string {
    const bucket = parseInt(createHash('sha256').update(vulnerabilityId, 'utf8').digest('hex').slice(0, 8), 16) % INDEX_BUCKETS;
    return `vuln-${bucket.toString().padStart(2, '0')}`;
}
