import { processIo, type CliIo, type Subcommand } from './io';
import { policyCheck } from './policyCheck';
import { reportSummarize } from './reportSummarize';

/** `acr-guard <group> <command> ...`: one line per subcommand. */
const COMMANDS = new Map<string, { run: Subcommand; synopsis: string; does: string }>([
    ['report summarize', { run: reportSummarize, synopsis: 'report summarize FILE', does: 'summarize a Trivy JSON report (counts per severity, all and fixable)' }],
    ['policy check', { run: policyCheck, synopsis: 'policy check [--policy POLICY] FILE', does: 'judge a Trivy JSON report against the gate policy (exit 0 pass, 1 fail, 2 error)' }],
]);

function usage(): string {
    return ['usage: acr-guard <command> [options]', '', 'commands:', ...[...COMMANDS.values()].map((c) => `  ${c.synopsis.padEnd(40)}${c.does}`), '', 'Run `acr-guard <command> --help` for its options.'].join('\n');
}

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
        (argv.length === 0 ? io.stderr : io.stdout)(usage());
        return argv.length === 0 ? 2 : 0;
    }
    const command = COMMANDS.get(argv.slice(0, 2).join(' '));
    if (!command) {
        io.stderr(`acr-guard: unknown command "${argv.slice(0, 2).join(' ')}"\n\n${usage()}`);
        return 2;
    }
    return command.run(argv.slice(2), io);
}
