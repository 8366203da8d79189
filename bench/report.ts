/** One measured figure. */
export interface BenchFigure {
    readonly label: string;
    readonly value: number;
    readonly unit: string;
}

/**
 * What a `*.bench.ts` returns from `run()`: a measurement next to a baseline taken in the same
 * run on the same machine, and their ratio (higher is better) against a target ratio. Absolute
 * numbers vary by machine; the ratio is what is compared.
 */
export interface BenchResult {
    readonly name: string;
    readonly measured: BenchFigure;
    readonly baseline: BenchFigure;
    /** measured.value / baseline.value */
    readonly ratio: number;
    /** The ratio the measurement should reach. */
    readonly target: number;
    readonly notes?: readonly string[];
}

const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

export function formatResult(result: BenchResult): string {
    const verdict = result.ratio >= result.target ? 'meets target' : 'BELOW TARGET';
    return [
        `${result.name}`,
        `  ${result.measured.label.padEnd(44)} ${fmt(result.measured.value).padStart(9)} ${result.measured.unit}`,
        `  ${result.baseline.label.padEnd(44)} ${fmt(result.baseline.value).padStart(9)} ${result.baseline.unit}`,
        `  ${'ratio'.padEnd(44)} ${result.ratio.toFixed(2).padStart(9)}   (target >= ${result.target}: ${verdict})`,
        ...(result.notes ?? []).map((note) => `  - ${note}`),
    ].join('\n');
}

export const ratioOf = (measured: number, baseline: number) => (baseline > 0 ? measured / baseline : 0);
