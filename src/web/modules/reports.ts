import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAssessReport } from '../../assess/report-schema.js';
import type { ChecklistItem, DashboardContext, DashboardModule } from './types.js';

/** The id of a report written directly into the reports folder (not a subfolder). */
export const ROOT_REPORT_ID = '-';
const FILES = { 'report.html': 'text/html; charset=utf-8', 'report.md': 'text/markdown; charset=utf-8', 'report.json': 'application/json; charset=utf-8' } as const;
type ReportFile = keyof typeof FILES;
/** The assessment HTML report inlines its script, styles and charts; it may run them and reach nothing. */
const REPORT_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'";

export interface ReportListing {
  id: string;
  files: ReportFile[];
  source: string | null;
  finishedAt: string | null;
  verdict: string | null;
  reasons: string[];
  inventoryFiles: number | null;
  inventoryBytes: number | null;
  error?: string;
}

const cache = new Map<string, { mtimeMs: number; listing: ReportListing }>();

async function describeReport(dir: string, id: string): Promise<ReportListing | undefined> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const files = (Object.keys(FILES) as ReportFile[]).filter((f) => names.includes(f));
  if (files.length === 0) return undefined;
  const base: ReportListing = { id, files, source: null, finishedAt: null, verdict: null, reasons: [], inventoryFiles: null, inventoryBytes: null };
  if (!files.includes('report.json')) return base;
  const jsonPath = join(dir, 'report.json');
  const { mtimeMs } = await stat(jsonPath);
  const hit = cache.get(jsonPath);
  if (hit !== undefined && hit.mtimeMs === mtimeMs) return { ...hit.listing, files };
  let listing: ReportListing;
  try {
    const r = parseAssessReport(JSON.parse(await readFile(jsonPath, 'utf8')) as unknown);
    listing = { ...base, source: r.source, finishedAt: r.finishedAt, verdict: r.verdict.status, reasons: r.verdict.reasons, inventoryFiles: r.inventory.files, inventoryBytes: r.inventory.bytes };
  } catch (error) {
    listing = { ...base, error: `report.json cannot be read: ${error instanceof Error ? error.message.slice(0, 200) : String(error)}` };
  }
  cache.set(jsonPath, { mtimeMs, listing });
  return listing;
}

/** Reports in the reports folder itself and in its direct subfolders, newest first. */
export async function listReports(reportsDir: string | undefined): Promise<ReportListing[]> {
  if (reportsDir === undefined) return [];
  const out: ReportListing[] = [];
  const root = await describeReport(reportsDir, ROOT_REPORT_ID);
  if (root !== undefined) out.push(root);
  const entries = await readdir(reportsDir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (!e.isDirectory() || e.name === ROOT_REPORT_ID || e.name.startsWith('.')) continue;
    const r = await describeReport(join(reportsDir, e.name), e.name);
    if (r !== undefined) out.push(r);
  }
  return out.sort((a, b) => (b.finishedAt ?? '').localeCompare(a.finishedAt ?? ''));
}

function reportDir(ctx: DashboardContext, id: string): string | undefined {
  if (ctx.reportsDir === undefined) return undefined;
  if (id === ROOT_REPORT_ID) return ctx.reportsDir;
  // A listed subfolder name only: no separators, no dot segments.
  if (id === '' || id.startsWith('.') || /[/\\\0]/.test(id)) return undefined;
  return join(ctx.reportsDir, id);
}

/** Assessment reports: listed with their verdict, served as written by `lakeshift assess --out DIR`. */
export const reportsModule: DashboardModule = {
  id: 'reports',
  title: 'Assessments',
  path: '/reports',
  async availability(ctx) {
    if (ctx.reportsDir === undefined) return { available: false, reason: 'No reports folder: start the dashboard with --reports DIR (the folder given to lakeshift assess --out).' };
    return { available: true };
  },
  register(app, ctx) {
    app.get('/api/reports', async () => ({ reportsDir: ctx.reportsDir ?? null, reports: await listReports(ctx.reportsDir) }));
    app.get<{ Params: { id: string; file: string } }>('/reports/:id/:file', async (request, reply) => {
      const { id, file } = request.params;
      const dir = reportDir(ctx, id);
      if (dir === undefined || !(file in FILES)) return reply.code(404).send({ error: 'No such report file.' });
      const path = join(dir, file);
      const exists = await stat(path).then((s) => s.isFile(), () => false);
      if (!exists) return reply.code(404).send({ error: `No ${file} in report ${id}.` });
      reply.header('Content-Type', FILES[file as ReportFile]);
      if (file === 'report.html') reply.header('Content-Security-Policy', REPORT_CSP);
      return reply.send(createReadStream(path));
    });
  },
  async checklist(ctx): Promise<ChecklistItem[]> {
    const newest = (await listReports(ctx.reportsDir)).find((r) => r.verdict !== null);
    if (newest === undefined) return [{ label: 'Assessment verdict', state: 'todo', detail: 'No assessment report found: run lakeshift assess SOURCE --out DIR and start the dashboard with --reports DIR.' }];
    const state = newest.verdict === 'blocked' ? 'blocked' : 'done';
    return [{ label: 'Assessment verdict', state, detail: `${newest.verdict ?? ''}${newest.reasons.length > 0 ? `: ${newest.reasons.slice(0, 2).join('; ')}` : ''}` }];
  },
};
