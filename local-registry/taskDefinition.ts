import type { ScheduledRun } from './taskRuns';

/** The task YAML with every `{{.Values.name}}` replaced, as ACR renders it before running. */
export function renderTask(run: Pick<ScheduledRun, 'taskYaml' | 'values'>): string {
    return run.taskYaml.replace(/\{\{\s*\.Values\.([A-Za-z0-9_]+)\s*\}\}/g, (_, name: string) => {
        const value = run.values[name];
        if (value === undefined) throw new Error(`task references undefined value ${name}`);
        return value;
    });
}

export interface TaskStep {
    readonly id: string;
    /** `cmd`, with a folded (`>-`) block joined by single spaces as YAML folds it. */
    readonly cmd: string;
    readonly timeoutSeconds?: number;
    readonly retries: number;
    readonly retryDelaySeconds: number;
}

/**
 * The steps of an ACR multi-step task (`steps: - id: … cmd: …`), read from the rendered YAML.
 * Only what acr-guard's own constant task definitions use is read: `id`, `cmd` (plain or `>-`),
 * `timeout`, `retries`, `retryDelay`. Anything richer is not a task of this app.
 */
export function taskSteps(renderedYaml: string): TaskStep[] {
    const lines = renderedYaml.split(/\r?\n/);
    const steps: TaskStep[] = [];
    let current: { id: string; cmd: string[]; timeout?: number; retries: number; retryDelay: number; cmdIndent?: number } | undefined;
    const flush = () => {
        if (current) {
            steps.push({
                id: current.id,
                cmd: current.cmd.join(' ').trim(),
                ...(current.timeout !== undefined ? { timeoutSeconds: current.timeout } : {}),
                retries: current.retries,
                retryDelaySeconds: current.retryDelay,
            });
        }
    };
    for (const line of lines) {
        const indent = line.length - line.trimStart().length;
        if (current?.cmdIndent !== undefined) {
            if (line.trim() !== '' && indent >= current.cmdIndent) {
                current.cmd.push(line.trim());
                continue;
            }
            delete current.cmdIndent;
        }
        const id = /^\s*- id:\s*(\S+)\s*$/.exec(line);
        if (id) {
            flush();
            current = { id: id[1]!, cmd: [], retries: 0, retryDelay: 0 };
            continue;
        }
        if (!current) continue;
        const field = /^\s*(cmd|timeout|retries|retryDelay):\s*(.*?)\s*$/.exec(line);
        if (!field) continue;
        const [, name, value] = field as unknown as [string, string, string];
        if (name === 'cmd') {
            if (value === '>-' || value === '>' || value === '|') current.cmdIndent = indent + 1;
            else current.cmd.push(value);
        } else if (name === 'timeout') current.timeout = Number(value);
        else if (name === 'retries') current.retries = Number(value);
        else current.retryDelay = Number(value);
    }
    flush();
    return steps;
}
