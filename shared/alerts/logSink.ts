import type { Alert } from './alert';
import type { AlertSink } from './alertSink';

/**
 * Fixed prefix of the alert log line. Application Insights stores Functions logs in `traces`
 * (workspace-based: `AppTraces`, column `Message`), so a log search alert rule can match:
 *
 *   traces
 *   | where message startswith "ACR_GUARD_ALERT "
 *   | extend alert = parse_json(substring(message, strlen("ACR_GUARD_ALERT ")))
 *   | where tostring(alert.severity) in ("critical", "high")
 *   | project timestamp, alertId = tostring(alert.alertId), kind = tostring(alert.kind),
 *             repository = tostring(alert.subject.repository), digest = tostring(alert.subject.digest)
 */
export const ALERT_LOG_PREFIX = 'ACR_GUARD_ALERT';

/** The one line written per alert: prefix, a space, single-line JSON (JSON escapes every newline). */
export function alertLogLine(alert: Alert): string {
    const record = {
        schema: 'acr-guard.alert/v1',
        alertId: alert.alertId,
        kind: alert.kind,
        severity: alert.severity,
        title: alert.title,
        message: alert.message,
        subject: alert.subject,
        details: alert.details,
        detectedBy: alert.detectedBy,
        firstSeen: alert.firstSeen,
        occurrences: alert.occurrences,
        dedupKey: alert.dedupKey,
    };
    return `${ALERT_LOG_PREFIX} ${JSON.stringify(record)}`;
}

export type LogWriter = (line: string) => void;

/**
 * Always on. Writes through `write` (default console.warn: the Functions Node worker forwards
 * console output to the host, which sends it to Application Insights as a trace at Warning level).
 */
export function createLogSink(write: LogWriter = (line) => console.warn(line)): AlertSink {
    return {
        name: 'log',
        deliver: async (alert) => {
            write(alertLogLine(alert));
        },
    };
}
