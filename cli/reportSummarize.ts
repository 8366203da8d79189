import { parseArgs } from 'node:util';
import { readTrivyReportFile, TrivyReportError } from '../shared/trivy/report';
import { summarizeReport } from '../shared/trivy/summary';
import { EXIT, type Subcommand } from './io';
import { errorMessage } from '../shared/errors/errorMessage';

const HELP = `usage: acr-guard report summarize FILE

Prints a JSON summary of a Trivy JSON report (SchemaVersion 2):
  os               {family, name, eosl}, or null when Trivy detected no OS
  vulnerabilities  {total, fixable, bySeverity: {CRITICAL: {total, fixable}, HIGH, MEDIUM, LOW, UNKNOWN}}
  byClass          per Result class (os-pkgs, lang-pkgs, secret, ...): results, vulnerabilities, fixable, secrets, misconfigurations
Counts are of entries as Trivy reports them (one per vulnerability per package occurrence); a
vulnerability is fixable when it has a non-empty fixed version.
Exit 0 on success, 2 when FILE is missing or not a Trivy report.`;

export const reportSummarize: Subcommand = async (argv, io) => {
    let file: string;
    try {
        const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
        if (values.help) {
            io.stdout(HELP);
            return EXIT.ok;
        }
        if (positionals.length !== 1) throw new Error(`expected one report FILE, got ${positionals.length} arguments`);
        file = positionals[0]!;
    } catch (err) {
        io.stderr(`acr-guard report summarize: ${errorMessage(err)}\n\n${HELP}`);
        return EXIT.invalid;
    }
    try {
        io.stdout(JSON.stringify(summarizeReport(await readTrivyReportFile(file)), null, 2));
        return EXIT.ok;
    } catch (err) {
        io.stderr(`acr-guard report summarize: ${describeReadError(err, file)}`);
        return EXIT.invalid;
    }
};

/** A message saying what is wrong with the file (missing, unreadable, not a report). */
export function describeReadError(err: unknown, file: string): string {
    if (err instanceof TrivyReportError) return err.message;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `${file}: no such file`;
    if (code === 'EISDIR') return `${file} is a directory, expected a Trivy JSON report file`;
    return `${file}: ${errorMessage(err)}`;
}
