/** What a subcommand may touch besides its arguments: injected so commands are tested without spawning. */
export interface CliIo {
    stdout(text: string): void;
    stderr(text: string): void;
    /** The clock (scan-age and exception expiry); tests pin it. */
    now(): Date;
    /** The environment, for commands that honour the app's settings (event inspect); defaults to none. */
    readonly env?: Record<string, string | undefined>;
}

export const processIo: CliIo = {
    stdout: (text) => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    stderr: (text) => void process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    now: () => new Date(),
    env: process.env,
};

/** A subcommand: its own arguments (after the command words) in, exit code out. */
export type Subcommand = (argv: string[], io: CliIo) => Promise<number>;

/** Exit codes shared by the subcommands. */
export const EXIT = { ok: 0, fail: 1, invalid: 2 } as const;

/** One `acr-guard` subcommand: the words that select it, then its own arguments. */
export interface CliCommand {
    readonly words: readonly string[];
    readonly usage: string;
    /** One line for the command list. */
    readonly summary: string;
    /** The rest of `acr-guard <command> --help`, for commands that do not print their own help. */
    readonly details?: string;
    readonly run: Subcommand;
}
