import { existsSync, realpathSync } from 'node:fs';
import { isStorageError } from '../../core/errors.js';
import type { ApplyOutcome, CutoverMapping, Finding, RewriteReport, ScanReport, SkippedFile } from '../../cutover/index.js';
import { UserError } from '../cli-error.js';
import { outputFrom } from '../common-options.js';
import { EXIT } from '../exit-codes.js';
import { parseByteSize } from './plan.js';

/** Mapping from the flags: `--map` values that contain `=` and `://` are rules, others are mapping files. */
export async function mappingFrom(opts: Record<string, unknown>): Promise<{ mapping: CutoverMapping | undefined; inputs: string[] }> {
  const { loadMapping } = await import('../../cutover/mapping.js');
  const values = (opts['map'] as string[] | undefined) ?? [];
  const rules = values.filter((v) => /=/.test(v) && /:\/\//.test(v) && !existsSync(v));
  const files = values.filter((v) => !rules.includes(v));
  if (files.length > 1) throw new UserError(`--map: give at most one mapping file (got ${files.join(', ')}); put all rules in it or pass them as --map values.`);
  const plan = typeof opts['plan'] === 'string' ? opts['plan'] : undefined;
  const accountFlags = typeof opts['gen2Account'] === 'string' || typeof opts['gen1Account'] === 'string';
  if (rules.length === 0 && files.length === 0 && plan === undefined && !accountFlags) return { mapping: undefined, inputs: [] };
  const inputs = [...files, ...(plan === undefined ? [] : [plan])].map((f) => { try { return realpathSync(f); } catch { return f; } });
  try {
    const mapping = await loadMapping({
      map: rules,
      ...(files[0] === undefined ? {} : { mapFile: files[0] }),
      ...(plan === undefined ? {} : { plan }),
      ...(typeof opts['gen2Account'] === 'string' ? { gen2Account: opts['gen2Account'] } : {}),
      ...(typeof opts['gen1Account'] === 'string' ? { gen1Account: opts['gen1Account'] } : {}),
    });
    return { mapping, inputs };
  } catch (error) {
    if (isStorageError(error, 'invalid-argument')) throw new UserError(error.message);
    throw error;
  }
}

/** `--workers N` (a whole number from 0 to 64), or undefined for the default. */
function workersFrom(opts: Record<string, unknown>): { workers?: number } {
  const raw = opts['workers'];
  if (raw === undefined) return {};
  const n = Number(raw);
  if (!/^\d+$/.test(String(raw)) || n > 64) throw new UserError(`--workers: expected a whole number from 0 to 64, got ${JSON.stringify(raw)}.`);
  return { workers: n };
}

async function prepare(paths: string[], opts: Record<string, unknown>): Promise<{ mapping: CutoverMapping | undefined; exclude: string[]; maxFileBytes: number; workers: { workers?: number }; signal: AbortSignal; done: () => void }> {
  const maxFileBytes = parseByteSize('--max-file-size', String(opts['maxFileSize'] ?? '16MiB'));
  const workers = workersFrom(opts);
  const { mapping, inputs } = await mappingFrom(opts);
  if (paths.length === 0) throw new UserError('Give at least one file or folder to scan.');
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return { mapping, exclude: inputs, maxFileBytes, workers, signal: controller.signal, done: () => { process.off('SIGINT', stop); process.off('SIGTERM', stop); } };
}

/** Skips that may hide references (unreadable, too large) need a person; binaries and links do not. */
function needsPerson(findings: readonly Finding[], skipped: readonly SkippedFile[]): boolean {
  return findings.some((f) => f.action === 'report') || skipped.some((s) => /^cannot |larger than/.test(s.reason));
}

function formatFinding(f: Finding): string {
  const what = f.action === 'rewrite' ? `rewrite -> ${f.replacement ?? ''}` : `report: ${f.reason ?? ''}`;
  return `${f.file}:${f.line}:${f.column}: ${f.rule} [${f.kind}] ${f.text}\n    ${what}\n`;
}

function summary(filesScanned: number, findings: readonly Finding[], skipped: readonly SkippedFile[]): string {
  const rewrites = findings.filter((f) => f.action === 'rewrite').length;
  const files = new Set(findings.map((f) => f.file)).size;
  return `${filesScanned} files scanned, ${findings.length} Gen1 references in ${files} files: ${rewrites} to rewrite, ${findings.length - rewrites} need a person; ${skipped.length} skipped.\n`;
}

function printSkipped(skipped: readonly SkippedFile[]): void {
  if (skipped.length === 0) return;
  process.stdout.write('Skipped:\n');
  for (const s of skipped) process.stdout.write(`  ${s.file}: ${s.reason}\n`);
}

/** `lakeshift cutover scan PATH...`: exit 0 when nothing needs a person, 1 when something does. */
export async function runScanCommand(paths: string[], opts: Record<string, unknown>): Promise<void> {
  const p = await prepare(paths, opts);
  try {
    const { scanWorkloads } = await import('../../cutover/index.js');
    const r = await scanWorkloads(paths, { ...(p.mapping === undefined ? {} : { mapping: p.mapping }), maxFileBytes: p.maxFileBytes, signal: p.signal, exclude: p.exclude, ...p.workers });
    if (outputFrom(opts) === 'json') {
      const report: ScanReport = { files_scanned: r.files_scanned, findings: r.findings, skipped: r.skipped };
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      for (const f of r.findings) process.stdout.write(formatFinding(f));
      printSkipped(r.skipped);
      process.stdout.write(summary(r.files_scanned, r.findings, r.skipped));
      if (p.mapping === undefined && r.findings.length > 0) process.stdout.write('No mapping given: pass --map or --plan to see what lakeshift can rewrite.\n');
    }
    process.exitCode = needsPerson(r.findings, r.skipped) ? EXIT.failures : EXIT.ok;
  } finally {
    p.done();
  }
}

/**
 * `lakeshift cutover rewrite PATH... [--apply]`: the diff and a per-file summary; with --apply the
 * rewrites are written. Exit 0 when everything was (or can be) rewritten and nothing needs a person;
 * 1 when findings need a person or a file was refused or failed.
 */
export async function runRewriteCommand(paths: string[], opts: Record<string, unknown>): Promise<void> {
  const p = await prepare(paths, opts);
  try {
    const { planRewrite, applyRewrites, unifiedDiff } = await import('../../cutover/index.js');
    const plan = await planRewrite(paths, { ...(p.mapping === undefined ? {} : { mapping: p.mapping }), maxFileBytes: p.maxFileBytes, signal: p.signal, exclude: p.exclude, ...p.workers });
    const apply = opts['apply'] === true;
    const outcomes: ApplyOutcome[] = apply ? await applyRewrites(plan.rewrites, { signal: p.signal }) : [];
    const byFile = new Map(outcomes.map((o) => [o.file, o]));
    const files = new Map<string, RewriteReport['files'][number]>();
    for (const f of plan.findings) {
      const entry = files.get(f.file) ?? { file: f.file, status: 'pending' as const, rewrites: 0, reports: 0 };
      if (f.action === 'rewrite') entry.rewrites += 1;
      else entry.reports += 1;
      files.set(f.file, entry);
    }
    for (const [file, entry] of files) {
      const o = byFile.get(file);
      if (o !== undefined) {
        entry.status = o.status;
        if (o.reason !== undefined) entry.reason = o.reason;
      } else if (apply && entry.rewrites > 0) {
        entry.status = 'failed';
        entry.reason = 'not rewritten (the run stopped first)';
      }
    }
    const written = plan.rewrites.filter((r) => !apply || byFile.get(r.file)?.status === 'rewritten');
    const diff = written.map((r) => unifiedDiff(r.file, r.before, r.after)).join('');
    const list = [...files.values()];
    if (outputFrom(opts) === 'json') {
      const report: RewriteReport = { files_scanned: plan.files_scanned, applied: apply, files: list, findings: plan.findings, skipped: plan.skipped, diff };
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      process.stdout.write(diff);
      if (diff !== '') process.stdout.write('\n');
      for (const f of list) {
        const state = f.status === 'pending' ? (f.rewrites > 0 ? 'to rewrite' : 'nothing to rewrite') : f.status;
        process.stdout.write(`${f.file}: ${f.rewrites} rewrites, ${f.reports} need a person; ${state}${f.reason === undefined ? '' : ` (${f.reason})`}\n`);
      }
      printSkipped(plan.skipped);
      process.stdout.write(summary(plan.files_scanned, plan.findings, plan.skipped));
      if (!apply && plan.rewrites.length > 0) process.stdout.write(`Nothing was written. Review the diff, then run again with --apply to rewrite ${plan.rewrites.length} files.\n`);
      if (apply) process.stdout.write(`${outcomes.filter((o) => o.status === 'rewritten').length} of ${plan.rewrites.length} files rewritten.\n`);
    }
    const refused = list.some((f) => f.status === 'failed' || f.status === 'changed-since-scan');
    process.exitCode = refused || needsPerson(plan.findings, plan.skipped) ? EXIT.failures : EXIT.ok;
  } finally {
    p.done();
  }
}
