import type { AssessReport } from './report-schema.js';

/** Renders the report as pretty JSON (the documented, versioned schema of report-schema.ts). */
export function renderJson(report: AssessReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
