export { assessStore, type AssessOptions, type AssessResult } from './assess-store.js';
export {
  assessReportSchema,
  parseAssessReport,
  ASSESS_REPORT_SCHEMA_VERSION,
  type AssessReport,
  type DatasetReport,
  type PrincipalReport,
  type RuleResult,
  type AccessTier,
  type Severity,
  type VerdictStatus,
} from './report-schema.js';
export { renderHtml } from './render-html.js';
export { renderMarkdown } from './render-md.js';
export { renderJson } from './render-json.js';
export { writeAssessReports, parseFormats, REPORT_FORMATS, type ReportFormat } from './write-reports.js';
export { loadIdentityMap } from './identity-map.js';
export { DEFAULT_PRICE_TABLE, parsePriceTable, type PriceTable } from './prices.js';
export { PATH_RULES, ACL_RULES, SUMMARY_RULES, type CompatRule } from './rules.js';
export { assignFilesystemNames, deriveFilesystemName, isValidFilesystemName } from './filesystem-name.js';
export { copySeconds, DEFAULT_BYTES_PER_SECOND, DEFAULT_ITEMS_PER_SECOND } from './estimates.js';
export { formatBytes } from './collector.js';
