import { eventInspectCommand } from './eventInspect';

/** What a subcommand may touch: output streams and the environment (settings). */
export interface CliIo {
    out(text: string): void;
    err(text: string): void;
    readonly env: Record<string, string | undefined>;
}

/** One `acr-guard` subcommand: the words that select it, then its own arguments. */
export interface CliCommand {
    readonly words: readonly string[];
    readonly usage: string;
    /** One line for the command list. */
    readonly summary: string;
    /** The rest of `acr-guard <command> --help`. */
    readonly details?: string;
    run(args: string[], io: CliIo): Promise<number>;
}

/** The dispatch table: one line per subcommand. */
const commands: readonly CliCommand[] = [
    // --- intake ---
    eventInspectCommand,
];

const processIo: CliIo = {
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    env: process.env,
};

function help(): string {
    const width = Math.max(...commands.map((c) => c.usage.length));
    return [
        'usage: acr-guard <command> [options]',
        '',
        'commands:',
        ...commands.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`),
        '',
        'acr-guard <command> --help shows the help of one command.',
    ].join('\n');
}

/** Runs the command line; resolves to the process exit code (2: usage error). */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
        io.out(help());
        return argv.length === 0 ? 2 : 0;
    }
    const command = commands.find((c) => c.words.every((word, i) => argv[i] === word));
    if (!command) {
        io.err(`acr-guard: unknown command "${argv.join(' ')}"\n\n${help()}`);
        return 2;
    }
    const args = argv.slice(command.words.length);
    if (args.includes('--help') || args.includes('-h')) {
        io.out(`usage: acr-guard ${command.usage}\n\n${command.summary}${command.details ? `\n\n${command.details}` : ''}`);
        return 0;
    }
    return command.run(args, io);
}
