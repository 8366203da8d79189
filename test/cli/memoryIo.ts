import type { CliIo } from '../../cli/io';

/** A CliIo that records output, with a pinned clock. */
export function memoryIo(now = new Date('2024-10-29T00:00:00Z')) {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), now: () => now };
    return { io, stdout: () => out.join('\n'), stderr: () => err.join('\n') };
}
