import { processIo, type CliIo, type Subcommand } from './io';
import { patchPlan } from './patchPlan';
import { policyCheck } from './policyCheck';
import { reportSummarize } from './reportSummarize';

export type { CliIo, Subcommand } from './io';

/**
 * The `acr-guard` command: a table of subcommands, matched on their leading words. Each
 * subcommand is `(argv, io) => Promise<number>` (the exit code) in its own file.
 */
interface CommandEntry {
    readonly words: readonly string[];
    readonly synopsis: string;
    readonly does: string;
    readonly run: Subcommand;
}

const COMMANDS: readonly CommandEntry[] = [
    // --- pipelines (scan gate) ---
    { words: ['report', 'summarize'], run: reportSummarize, synopsis: 'report summarize FILE', does: 'summarize a Trivy JSON report (counts per severity, all and fixable)' },
    { words: ['policy', 'check'], run: policyCheck, synopsis: 'policy check [--policy POLICY] FILE', does: 'judge a Trivy JSON report against the gate policy (exit 0 pass, 1 fail, 2 error)' },
    // --- continuous patching ---
    { words: ['patch', 'plan'], run: patchPlan, synopsis: 'patch plan --config FILE --inventory FILE [--json]', does: 'dry run of a continuous-patching cycle, offline' },
];

function usage(): string {
    return [
        'usage: acr-guard <command> [options]',
        '',
        'commands:',
        ...COMMANDS.map((c) => `  ${c.synopsis.padEnd(52)}${c.does}`),
        '',
        'Run `acr-guard <command> --help` for its options.',
        '',
    ].join('\n');
}

/** Runs the command named by the leading words of argv; returns the exit code. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
    const entry = COMMANDS.find((c) => c.words.every((word, i) => argv[i] === word));
    if (entry) return entry.run(argv.slice(entry.words.length), io);
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
        (argv.length === 0 ? io.stderr : io.stdout)(usage());
        return argv.length === 0 ? 2 : 0;
    }
    io.stderr(`acr-guard: unknown command "${argv.slice(0, 2).join(' ')}"\n\n${usage()}`);
    return 2;
}
