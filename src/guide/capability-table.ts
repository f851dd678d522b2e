import { readFile, writeFile } from 'node:fs/promises';
import { capabilityReference } from '../assess/capabilities.js';

/**
 * The Gen1 vs Gen2 capability table of the guide, generated from the rows the assessment report
 * uses (src/assess/capabilities.ts), so the page and the report cannot disagree. The page holds it
 * between two marker comments; `npm run guide:generate` rewrites it and a test fails when it drifts.
 */

export const TABLE_START = '<!-- generated:capabilities start (npm run guide:generate; do not edit by hand) -->';
export const TABLE_END = '<!-- generated:capabilities end -->';

const cell = (s: string): string => s.replace(/\|/g, '\\|');

/** The table as Markdown, one row per capability, in report order. */
export function renderCapabilityTable(): string {
  const rows = capabilityReference().map((r) => `| ${cell(r.area)} | ${cell(r.gen1)} | ${cell(r.gen2)} | ${r.checkedByAssess ? 'yes: the report counts what this lake uses' : 'no: an account setting or a workload question'} |`);
  return ['| Area | Gen1 | Gen2 | Checked by `lakeshift assess` |', '|---|---|---|---|', ...rows].join('\n');
}

/** The page with the table between the markers replaced by the generated one. Throws when a marker is missing. */
export function withGeneratedTable(page: string): string {
  const start = page.indexOf(TABLE_START);
  const end = page.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error('the capability page has lost its generated-table markers');
  return `${page.slice(0, start + TABLE_START.length)}\n${renderCapabilityTable()}\n${page.slice(end)}`;
}

/** Rewrites the table in the page at `file`; returns whether the file changed. */
export async function writeCapabilityPage(file: string): Promise<boolean> {
  const page = await readFile(file, 'utf8');
  const next = withGeneratedTable(page);
  if (next === page) return false;
  await writeFile(file, next);
  return true;
}
