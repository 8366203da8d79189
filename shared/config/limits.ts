/*
 * Limits that settings validate and the areas that use them share. They live here, below every
 * area, so shared/config imports nothing from the domain (no folder cycle through settings).
 */

/*
 * The scan budget. The scan and rescan workers never wait for a scan run: they schedule it, record
 * its id and look again from a delayed check message (shared/scan/scanPipeline.ts), and give the
 * run up SCANNER_WAIT_HEAD_ROOM_SECONDS after its own time limit (scanCheckDeadlineSeconds). One
 * caller still waits inside one invocation: the patch worker's pre-scan (AcrTaskScanner.scan), so
 * the run, with head room, must still end within host.json's functionTimeout; that caps
 * ACR_GUARD_SCAN_TIMEOUT_SECONDS (shared/registry/trivyScanTask.ts explains the arithmetic).
 */
/** host.json `functionTimeout` (00:30:00); test/registry/scanBudget.test.ts checks they agree. */
export const FUNCTION_TIMEOUT_SECONDS = 1800;
/** How long after the run's own limit a scan run is given up (the scan pipeline's checks; AcrTaskScanner.scan's wait). */
export const SCANNER_WAIT_HEAD_ROOM_SECONDS = 60;
/** Left of a waiting invocation (the patch worker's pre-scan) after the wait: reading the run log, deciding, recording. */
export const INVOCATION_MARGIN_SECONDS = 120;
/** Head room of the Trivy step over Trivy's own --timeout (image pull, DB download). */
export const STEP_HEAD_ROOM_SECONDS = 120;
/** The report step's own timeout (see the YAML). */
export const REPORT_STEP_SECONDS = 300;
/** The longest scan run the function can wait for. */
export const MAX_SCAN_RUN_SECONDS = FUNCTION_TIMEOUT_SECONDS - SCANNER_WAIT_HEAD_ROOM_SECONDS - INVOCATION_MARGIN_SECONDS;
export const MIN_SCAN_TIMEOUT_SECONDS = 60;
/** The largest Trivy --timeout (ACR_GUARD_SCAN_TIMEOUT_SECONDS) with which one full attempt and the report step fit in the run: 1200 s. */
export const MAX_SCAN_TIMEOUT_SECONDS = MAX_SCAN_RUN_SECONDS - STEP_HEAD_ROOM_SECONDS - REPORT_STEP_SECONDS;


/** How far back the "pulled" rescan selection may look (Log Analytics retention is at most 2 years; a year is plenty). */
export const MAX_PULLED_WITHIN_DAYS = 365;
