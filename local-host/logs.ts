import type { RpcLogLevel } from './coreTypes';

/** One log line: the function's own `context.log/warn/error` (`user`), the library's (`system`) or the host's. */
export interface HostLogRecord {
    readonly time: string;
    readonly level: RpcLogLevel;
    readonly category: 'user' | 'system' | 'host';
    readonly message: string;
    readonly functionName?: string;
    readonly invocationId?: string;
}

export type HostLogger = (record: Omit<HostLogRecord, 'time'>) => void;

const MAX_RECORDS = 20_000;

/** Keeps the most recent records in memory (for `host.logs`) and forwards each to the option's sink. */
export function createLogCollector(sink?: (record: HostLogRecord) => void): { records: HostLogRecord[]; log: HostLogger } {
    const records: HostLogRecord[] = [];
    return {
        records,
        log(partial) {
            const record: HostLogRecord = { time: new Date().toISOString(), ...partial };
            records.push(record);
            if (records.length > MAX_RECORDS) records.splice(0, records.length - MAX_RECORDS);
            sink?.(record);
        },
    };
}

/** A sink for `npm start`: one readable line per record on stdout/stderr. */
export function consoleSink(record: HostLogRecord): void {
    const who = record.functionName ? `[${record.functionName}] ` : '';
    const line = `${record.time} ${record.level.padEnd(11)} ${who}${record.message}`;
    if (record.level === 'error' || record.level === 'critical' || record.level === 'warning') console.error(line);
    else console.log(line);
}
