import type { JobDb } from '../state/db.js';
import { countItems, listItems } from '../state/items.js';
import { getJob, listDatasets, listJobs, listRuns, type JobRow } from '../state/jobs.js';
import type { ProgressRow } from '../state/progress.js';
import { redactUri } from '../core/uri.js';
import { redactedOptions } from './redact.js';

/** What the API says about a job: its record plus, while it runs, the live figures of the current run. */
export interface JobSummary {
  id: string;
  kind: string;
  status: string;
  source: string;
  dest: string;
  createdAt: number;
  updatedAt: number;
  runs: number;
  files: { total: number; done: number; failed: number; skipped: number };
  bytes: { total: number; done: number };
  live: LiveFigures | null;
}

export interface LiveFigures {
  runNo: number;
  at: number;
  filesDone: number;
  filesFailed: number;
  bytesDone: number;
  filesToCopy: number;
  bytesToCopy: number;
  /** Over the last samples of the run (0 with fewer than two). */
  bytesPerSecond: number;
  /** Seconds to copy what the scan found so far at the current rate; null when unknown. */
  etaSeconds: number | null;
}

const RATE_WINDOW = 6;

/** Live figures from a run's newest samples (newest first). */
export function liveFigures(newestFirst: readonly ProgressRow[]): LiveFigures | null {
  const last = newestFirst[0];
  if (last === undefined) return null;
  const sameRun = newestFirst.filter((s) => s.run_no === last.run_no);
  const first = sameRun[sameRun.length - 1] ?? last;
  const seconds = (last.at - first.at) / 1000;
  const rate = seconds > 0 ? Math.max(0, (last.bytes_done - first.bytes_done) / seconds) : 0;
  const left = Math.max(0, last.bytes_to_copy - last.bytes_done);
  return {
    runNo: last.run_no, at: last.at, filesDone: last.files_done, filesFailed: last.files_failed, bytesDone: last.bytes_done,
    filesToCopy: last.files_to_copy, bytesToCopy: last.bytes_to_copy, bytesPerSecond: Math.round(rate),
    etaSeconds: left === 0 ? 0 : rate > 0 ? Math.round(left / rate) : null,
  };
}

async function newestSamples(jobDb: JobDb, jobId: string): Promise<ProgressRow[]> {
  return jobDb.db.selectFrom('progress').selectAll().where('job_id', '=', jobId).orderBy('id', 'desc').limit(RATE_WINDOW).execute();
}

function isActive(status: string): boolean {
  return status === 'running' || status === 'scanning' || status === 'created';
}

export function summarizeJob(j: JobRow, live: LiveFigures | null): JobSummary {
  return {
    id: j.id, kind: j.kind, status: j.status, source: redactUri(j.source), dest: redactUri(j.dest), createdAt: j.created_at, updatedAt: j.updated_at, runs: j.runs,
    files: { total: j.files_total, done: j.files_done, failed: j.files_failed, skipped: j.files_skipped },
    bytes: { total: j.bytes_total, done: j.bytes_done }, live,
  };
}

/** Every job, newest first; running ones with live figures (a few indexed rows each). */
export async function readJobSummaries(jobDb: JobDb): Promise<JobSummary[]> {
  const rows = await listJobs(jobDb);
  return Promise.all(rows.map(async (j) => summarizeJob(j, isActive(j.status) ? liveFigures(await newestSamples(jobDb, j.id)) : null)));
}

export interface FailureGroup {
  reason: string;
  count: number;
  /** Up to 20 paths with this reason, with their data set and attempts. */
  paths: { dataset: string; path: string; attempts: number; kind: string }[];
}

/** The failed items' message with the item's own path taken out, so one cause groups its files. */
export function failureReason(message: string | null, relPath: string): string {
  const text = redactUri(message ?? 'no message recorded');
  return relPath === '' ? text : text.split(relPath).join('…');
}

/** Failures of a job grouped by reason (from up to `scan` failed items, via the state index). */
export async function readFailureGroups(jobDb: JobDb, jobId: string, scan = 2000): Promise<{ total: number; groups: FailureGroup[] }> {
  const rows = await listItems(jobDb, jobId, { states: ['failed'], limit: scan });
  const groups = new Map<string, FailureGroup>();
  for (const r of rows) {
    const reason = failureReason(r.last_error, r.rel_path);
    let g = groups.get(reason);
    if (g === undefined) groups.set(reason, (g = { reason, count: 0, paths: [] }));
    g.count++;
    if (g.paths.length < 20) g.paths.push({ dataset: r.dataset, path: r.rel_path, attempts: r.attempts, kind: r.kind });
  }
  const counted = await jobDb.db.selectFrom('items').select((eb) => eb.fn.countAll<number>().as('n')).where('job_id', '=', jobId).where('state', '=', 'failed').executeTakeFirst();
  return { total: Number(counted?.n ?? rows.length), groups: [...groups.values()].sort((a, b) => b.count - a.count) };
}

type DatasetProgress = { dataset: string; state: string; files: number; bytes: number }[];
const DATASET_CACHE_MS = 5000;
const datasetCache = new WeakMap<JobDb, Map<string, { at: number; value: Promise<DatasetProgress> }>>();

/**
 * Items per data set and state (files and bytes): one grouped query over the job's items, shared by
 * every page for DATASET_CACHE_MS (pages of a running job refresh it; the query reads every item row).
 */
export function readDatasetProgress(jobDb: JobDb, jobId: string, now = Date.now()): Promise<DatasetProgress> {
  let byJob = datasetCache.get(jobDb);
  if (byJob === undefined) datasetCache.set(jobDb, (byJob = new Map()));
  const hit = byJob.get(jobId);
  if (hit !== undefined && now - hit.at < DATASET_CACHE_MS) return hit.value;
  for (const [id, entry] of byJob) if (now - entry.at >= DATASET_CACHE_MS) byJob.delete(id);
  const value = queryDatasetProgress(jobDb, jobId);
  byJob.set(jobId, { at: now, value });
  value.catch(() => byJob.delete(jobId));
  return value;
}

async function queryDatasetProgress(jobDb: JobDb, jobId: string): Promise<DatasetProgress> {
  const rows = await jobDb.db.selectFrom('items')
    .select((eb) => ['dataset', 'state', eb.fn.countAll<number>().as('files'), eb.fn.sum<number>('size').as('bytes')])
    .where('job_id', '=', jobId).where('kind', '=', 'file').groupBy(['dataset', 'state']).execute();
  return rows.map((r) => ({ dataset: r.dataset, state: r.state, files: Number(r.files), bytes: Number(r.bytes ?? 0) }));
}

/** Everything the job page shows but the samples and failures. */
export async function readJobDetail(jobDb: JobDb, idOrPrefix: string): Promise<Record<string, unknown>> {
  const job = await getJob(jobDb, idOrPrefix);
  const [runs, datasets, counts, byDataset, samples] = await Promise.all([
    listRuns(jobDb, job.id), listDatasets(jobDb, job.id), countItems(jobDb, job.id), readDatasetProgress(jobDb, job.id), newestSamples(jobDb, job.id),
  ]);
  return {
    job: { ...summarizeJob(job, isActive(job.status) ? liveFigures(samples) : null), options: redactedOptions(job.options) },
    runs: runs.map((r) => ({ runNo: r.run_no, status: r.status, startedAt: r.started_at, finishedAt: r.finished_at, filesCopied: r.files_copied, filesFailed: r.files_failed, filesSkipped: r.files_skipped, bytesCopied: r.bytes_copied, deleted: r.deleted })),
    datasets: datasets.map((d) => ({ name: d.name, sourcePrefix: d.source_prefix, dest: redactUri(d.dest), watermark: d.watermark, lastRun: d.last_run })),
    counts, byDataset,
  };
}
