import { patchPlan } from './patchPlan';

/**
 * The `acr-guard` command: a table of subcommands, matched on their leading words.
 * Each subcommand is `(argv, io) => Promise<number>` (the exit code) in its own file.
 */

/** Where a command writes; tests pass their own, `main` passes the process's streams. */
export interface CliIo {
    stdout(text: string): void;
    stderr(text: string): void;
}

export type Command = (argv: string[], io: CliIo) => Promise<number>;

interface CommandEntry {
    readonly words: readonly string[];
    readonly summary: string;
    readonly run: Command;
}

const commands: CommandEntry[] = [
    // --- continuous patching (patching) ---
    { words: ['patch', 'plan'], summary: 'dry run of a continuous-patching cycle, offline: --config FILE --inventory FILE [--json]', run: patchPlan },
];

const processIo: CliIo = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
};

function usage(): string {
    const width = Math.max(...commands.map((c) => c.words.join(' ').length));
    return [
        'usage: acr-guard <command> [options]',
        '',
        'commands:',
        ...commands.map((c) => `  ${c.words.join(' ').padEnd(width)}  ${c.summary}`),
        '',
        'Run `acr-guard <command> --help` for the options of a command.',
        '',
    ].join('\n');
}

/** Runs the command named by the leading words of argv; returns the exit code. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
    const entry = commands.find((c) => c.words.every((word, i) => argv[i] === word));
    if (entry) return entry.run(argv.slice(entry.words.length), io);
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
        io.stdout(usage());
        return 0;
    }
    io.stderr(`acr-guard: unknown command: ${argv.join(' ')}\n\n${usage()}`);
    return 2;
}
