import { describe, expect, it } from 'vitest';
import { decodeKeyPart, encodeKeyPart, generationTime, indexPartition, INDEX_BUCKETS, newGeneration } from '../../shared/results/tableKeys';

// Characters Table keys forbid, control characters (\p{Cc}: C0, DEL and C1), and our ~ separator.
const FORBIDDEN = /[/\\#?\p{Cc}~%'+]/u;

describe('table key encoding', () => {
    it('never emits a character Table keys forbid (or our ~ separator) and round-trips', () => {
        const samples = ['sha256:abc', 'CVE-2021-3807', 'a/b\\c#d?e', 'tab\there', 'x~y', '100% ü 🦀', "o'brien+1", '!21'];
        for (const s of samples) {
            const encoded = encodeKeyPart(s);
            expect(encoded).not.toMatch(FORBIDDEN);
            expect(decodeKeyPart(encoded)).toBe(s);
        }
        expect(new Set(samples.map(encodeKeyPart)).size).toBe(samples.length);
        expect(encodeKeyPart('sha256:0123abcd')).toBe('sha256:0123abcd');
    });

    it('shortens very long parts deterministically and keeps them apart', () => {
        const a = encodeKeyPart('x'.repeat(5000));
        const b = encodeKeyPart('x'.repeat(4999) + 'y');
        expect(a.length).toBeLessThanOrEqual(240);
        expect(a).not.toBe(b);
        expect(encodeKeyPart('x'.repeat(5000))).toBe(a);
    });

    it('generations carry their birth time; index buckets are stable and bounded', () => {
        const at = new Date('2026-11-01T00:00:00Z');
        expect(generationTime(newGeneration(at))).toEqual(at);
        expect(indexPartition('CVE-2021-3807')).toBe(indexPartition('CVE-2021-3807'));
        const buckets = new Set(Array.from({ length: 500 }, (_, i) => indexPartition(`CVE-2024-${i}`)));
        expect(buckets.size).toBe(INDEX_BUCKETS);
    });
});
