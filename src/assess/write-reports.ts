import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderHtml } from './render-html.js';
import { renderJson } from './render-json.js';
import { renderMarkdown } from './render-md.js';
import type { AssessReport } from './report-schema.js';

export const REPORT_FORMATS = ['html', 'md', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const FILE_NAMES: Record<ReportFormat, string> = { html: 'report.html', md: 'report.md', json: 'report.json' };
const RENDERERS: Record<ReportFormat, (r: AssessReport) => string> = { html: renderHtml, md: renderMarkdown, json: renderJson };

/**
 * Writes the report in each format to `dir` (created if missing) as report.html, report.md and
 * report.json. Each file is written to a temporary name and renamed, so a reader never sees half a
 * report. Returns the written paths, in `formats` order.
 */
export async function writeAssessReports(report: AssessReport, dir: string, formats: readonly ReportFormat[]): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const format of formats) {
    const file = join(dir, FILE_NAMES[format]);
    const tmp = `${file}.tmp-${process.pid}`;
    await writeFile(tmp, RENDERERS[format](report), 'utf8');
    await rename(tmp, file);
    written.push(file);
  }
  return written;
}

/** Parses a `--format` list such as "html,md". Throws an Error naming the bad format. */
export function parseFormats(text: string): ReportFormat[] {
  const out: ReportFormat[] = [];
  for (const raw of text.split(',')) {
    const f = raw.trim().toLowerCase();
    if (f === '') continue;
    if (!(REPORT_FORMATS as readonly string[]).includes(f)) {
      throw new Error(`--format: unknown format '${raw.trim()}'; use a comma-separated list of ${REPORT_FORMATS.join(', ')}`);
    }
    if (!out.includes(f as ReportFormat)) out.push(f as ReportFormat);
  }
  if (out.length === 0) throw new Error(`--format: give at least one of ${REPORT_FORMATS.join(', ')}`);
  return out;
}
