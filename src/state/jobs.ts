import type { Selectable, Updateable } from 'kysely';
import { StorageError } from '../core/errors.js';
import type { JobDb } from './db.js';
import type { DatasetsTable, JobStatus, JobsTable, RunStatus, RunsTable } from './schema.js';

export type JobRow = Selectable<JobsTable>;
export type RunRow = Selectable<RunsTable>;
export type DatasetRow = Selectable<DatasetsTable>;

export interface NewJob {
  id: string;
  jobKey: string;
  kind: string;
  source: string;
  dest: string;
  options: unknown;
}

/** Creates a job row in status `created`. Throws if the id or key exists. */
export async function createJob(jobDb: JobDb, job: NewJob, now: number = Date.now()): Promise<JobRow> {
  const row: JobRow = {
    id: job.id, job_key: job.jobKey, kind: job.kind, source: job.source, dest: job.dest,
    options: JSON.stringify(job.options), status: 'created', created_at: now, updated_at: now, runs: 0,
    files_total: 0, files_done: 0, files_failed: 0, files_skipped: 0, bytes_total: 0, bytes_done: 0,
  };
  await jobDb.db.insertInto('jobs').values(row).execute();
  return row;
}

/** The job with this key (same source, destination and options), if any. */
export async function findJobByKey(jobDb: JobDb, jobKey: string): Promise<JobRow | undefined> {
  return jobDb.db.selectFrom('jobs').selectAll().where('job_key', '=', jobKey).executeTakeFirst();
}

/**
 * The job with this id, or the only job whose id starts with it. Throws StorageError('not-found') or
 * ('invalid-argument') for an ambiguous prefix, saying what to do.
 */
export async function getJob(jobDb: JobDb, idOrPrefix: string): Promise<JobRow> {
  const exact = await jobDb.db.selectFrom('jobs').selectAll().where('id', '=', idOrPrefix).executeTakeFirst();
  if (exact !== undefined) return exact;
  const escaped = idOrPrefix.replace(/[\\%_]/g, (c) => `\\${c}`);
  const rows = await jobDb.db.selectFrom('jobs').selectAll().where('id', 'like', `${escaped}%`).limit(2).execute();
  const [first, second] = rows;
  if (first === undefined) throw new StorageError('not-found', `No job '${idOrPrefix}' in the job database ${jobDb.location}. Run 'lakeshift jobs list' to see the jobs (and check --state-dir).`);
  if (second !== undefined) throw new StorageError('invalid-argument', `The job id prefix '${idOrPrefix}' matches several jobs; give more characters.`);
  return first;
}

/** All jobs, newest first. */
export async function listJobs(jobDb: JobDb): Promise<JobRow[]> {
  return jobDb.db.selectFrom('jobs').selectAll().orderBy('created_at', 'desc').execute();
}

/** Updates a job (updated_at is set). */
export async function updateJob(jobDb: JobDb, id: string, patch: Omit<Updateable<JobsTable>, 'id'>, now: number = Date.now()): Promise<void> {
  await jobDb.db.updateTable('jobs').set({ ...patch, updated_at: now }).where('id', '=', id).execute();
}

/** Deletes a job with its runs, data sets and items. Idempotent. */
export async function deleteJob(jobDb: JobDb, id: string): Promise<void> {
  await jobDb.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('items').where('job_id', '=', id).execute();
    await trx.deleteFrom('progress').where('job_id', '=', id).execute();
    await trx.deleteFrom('runs').where('job_id', '=', id).execute();
    await trx.deleteFrom('datasets').where('job_id', '=', id).execute();
    await trx.deleteFrom('jobs').where('id', '=', id).execute();
  });
}

/** Starts the next run of a job; returns its row. */
export async function startRun(jobDb: JobDb, jobId: string, now: number = Date.now()): Promise<RunRow> {
  return jobDb.db.transaction().execute(async (trx) => {
    const job = await trx.selectFrom('jobs').select('runs').where('id', '=', jobId).executeTakeFirstOrThrow();
    const runNo = Number(job.runs) + 1;
    await trx.updateTable('jobs').set({ runs: runNo, updated_at: now }).where('id', '=', jobId).execute();
    await trx.insertInto('runs').values({
      job_id: jobId, run_no: runNo, status: 'running', started_at: now, finished_at: null,
      files_copied: 0, files_failed: 0, files_skipped: 0, bytes_copied: 0, deleted: 0, watermark: now,
    }).execute();
    return trx.selectFrom('runs').selectAll().where('job_id', '=', jobId).where('run_no', '=', runNo).executeTakeFirstOrThrow();
  });
}

export interface RunTotals {
  filesCopied: number;
  filesFailed: number;
  filesSkipped: number;
  bytesCopied: number;
  deleted: number;
}

/** Records a run's outcome. */
export async function finishRun(jobDb: JobDb, jobId: string, runNo: number, status: RunStatus, totals: RunTotals, now: number = Date.now()): Promise<void> {
  await jobDb.db.updateTable('runs').set({
    status, finished_at: now, files_copied: totals.filesCopied, files_failed: totals.filesFailed,
    files_skipped: totals.filesSkipped, bytes_copied: totals.bytesCopied, deleted: totals.deleted,
  }).where('job_id', '=', jobId).where('run_no', '=', runNo).execute();
}

/** Run history of a job, oldest first. */
export async function listRuns(jobDb: JobDb, jobId: string): Promise<RunRow[]> {
  return jobDb.db.selectFrom('runs').selectAll().where('job_id', '=', jobId).orderBy('run_no', 'asc').execute();
}

/** Records (or refreshes) a data set of a job. */
export async function upsertDataset(jobDb: JobDb, row: { jobId: string; name: string; sourcePrefix: string; dest: string }): Promise<void> {
  await jobDb.db.insertInto('datasets')
    .values({ job_id: row.jobId, name: row.name, source_prefix: row.sourcePrefix, dest: row.dest, watermark: null, last_run: null })
    .onConflict((oc) => oc.columns(['job_id', 'name']).doUpdateSet({ source_prefix: row.sourcePrefix, dest: row.dest }))
    .execute();
}

/** Marks a data set complete up to `watermark` (the scan start time of run `runNo`). */
export async function setDatasetWatermark(jobDb: JobDb, jobId: string, name: string, watermark: number, runNo: number): Promise<void> {
  await jobDb.db.updateTable('datasets').set({ watermark, last_run: runNo }).where('job_id', '=', jobId).where('name', '=', name).execute();
}

export async function listDatasets(jobDb: JobDb, jobId: string): Promise<DatasetRow[]> {
  return jobDb.db.selectFrom('datasets').selectAll().where('job_id', '=', jobId).orderBy('name').execute();
}

export type { JobStatus };
