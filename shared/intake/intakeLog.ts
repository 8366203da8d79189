/** The logging intake needs: an InvocationContext satisfies it, and so does `console`. */
export interface IntakeLog {
    log(...args: unknown[]): void;
    warn(...args: unknown[]): void;
    error(...args: unknown[]): void;
}

export const silentLog: IntakeLog = { log() {}, warn() {}, error() {} };
