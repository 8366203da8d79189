/** What a subcommand may touch besides its arguments: injected so commands are tested without spawning. */
export interface CliIo {
    stdout(text: string): void;
    stderr(text: string): void;
    /** The clock (scan-age and exception expiry); tests pin it. */
    now(): Date;
}

export const processIo: CliIo = {
    stdout: (text) => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    stderr: (text) => void process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    now: () => new Date(),
};

/** A subcommand: its own arguments (after the command words) in, exit code out. */
export type Subcommand = (argv: string[], io: CliIo) => Promise<number>;

/** Exit codes shared by the subcommands. */
export const EXIT = { ok: 0, fail: 1, invalid: 2 } as const;
