import { eventInspectCommand } from './eventInspect';
import { processIo, type CliCommand, type CliIo } from './io';
import { patchPlan } from './patchPlan';
import { policyCheck } from './policyCheck';
import { reportSummarize } from './reportSummarize';

export type { CliCommand, CliIo, Subcommand } from './io';

/**
 * The `acr-guard` command: a table of subcommands, matched on their leading words. Each
 * subcommand lives in its own file and is `(argv, io) => Promise<number>` (the exit code).
 */
const COMMANDS: readonly CliCommand[] = [
    // --- intake ---
    eventInspectCommand,
    // --- pipelines (scan gate) ---
    { words: ['report', 'summarize'], run: reportSummarize, usage: 'report summarize FILE', summary: 'summarize a Trivy JSON report (counts per severity, all and fixable)' },
    { words: ['policy', 'check'], run: policyCheck, usage: 'policy check [--policy POLICY] FILE', summary: 'judge a Trivy JSON report against the gate policy (exit 0 pass, 1 fail, 2 error)' },
    // --- continuous patching ---
    { words: ['patch', 'plan'], run: patchPlan, usage: 'patch plan --config FILE --inventory FILE [--json]', summary: 'dry run of a continuous-patching cycle, offline' },
];

function usage(): string {
    const width = Math.max(...COMMANDS.map((c) => c.usage.length));
    return [
        'usage: acr-guard <command> [options]',
        '',
        'commands:',
        ...COMMANDS.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`),
        '',
        'Run `acr-guard <command> --help` for its options.',
        '',
    ].join('\n');
}

/** Runs the command named by the leading words of argv; returns the exit code. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
    const entry = COMMANDS.find((c) => c.words.every((word, i) => argv[i] === word));
    if (entry) {
        const args = argv.slice(entry.words.length);
        if (entry.details !== undefined && (args.includes('--help') || args.includes('-h'))) {
            io.stdout(`usage: acr-guard ${entry.usage}\n\n${entry.summary}\n\n${entry.details}\n`);
            return 0;
        }
        return entry.run(args, io);
    }
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
        (argv.length === 0 ? io.stderr : io.stdout)(usage());
        return argv.length === 0 ? 2 : 0;
    }
    io.stderr(`acr-guard: unknown command "${argv.slice(0, 2).join(' ')}"\n\n${usage()}`);
    return 2;
}
