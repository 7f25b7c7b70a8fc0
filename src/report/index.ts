/**
 * The reconciliation report: rows.csv, rejected.csv, summary.json and report.html of one run
 * (contract §5).
 */
export { newRunId, RUN_ID_PATTERN } from './run-id.js';
export {
  RunReport,
  createRunFolder,
  reserveRunFolder,
  ROWS_COLUMNS,
  ROWS_FILE,
  SUMMARY_FILE,
  HTML_FILE,
  REPORT_DIR_MODE,
  REPORT_FILE_MODE,
  type ReportOptions,
} from './run-report.js';
export { REJECTED_FILE, REJECTED_EXTRA_COLUMNS } from './rejected.js';
export {
  InvariantError,
  checkInvariants,
  exitCodeFor,
  outcomeOfCounts,
  emptyCounts,
  type Counts,
} from './counts.js';
export { spreadsheetSafe } from './csv.js';
export { redactSecrets, type RunSummary, type SummaryMeta, type SourceInfo } from './summary.js';
export { renderReportHtml, escapeHtml, pageHead, REPORT_STYLE, type ReportHtmlData } from './html.js';
export { describeCode } from '../codes.js';
export { type ErrorCodeStat, type ErrorExample } from './error-codes.js';
export type { TimelinePoint } from './timeline.js';
