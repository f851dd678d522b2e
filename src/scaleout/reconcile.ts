import type { Logger } from 'pino';
import type { JobDb } from '../state/db.js';
import { BATCH_JOB_OPTIONS, type BatchJobData, type BatchQueue } from './queue.js';
import { scaleoutDb } from './schema.js';

/** The id of a run's finalize step (one per run; adding it twice is a no-op in BullMQ). */
export function finalizeBatchId(jobId: string, runNo: number): string {
  return `f-${jobId}-r${runNo}`;
}

/**
 * Makes the queue agree with the manifest for one run: every batch the manifest has not finished is
 * waiting, delayed or active in the queue (a missing job is added; a job the queue finished or failed
 * while the manifest says otherwise is re-added under the same id), and the finalize step is enqueued
 * once every copy batch is finished. Idempotent; safe while workers run.
 */
export async function reconcileRun(jobDb: JobDb, queue: BatchQueue, jobId: string, runNo: number, logger: Logger): Promise<{ batches: number; enqueued: number; files: number; bytes: number }> {
  const db = scaleoutDb(jobDb);
  const batches = await db.selectFrom('scaleout_batches').select(['batch_id', 'kind', 'state', 'files', 'bytes'])
    .where('job_id', '=', jobId).where('run_no', '=', runNo).where('kind', '=', 'copy').execute();
  let enqueued = 0;
  for (const b of batches) {
    if (b.state === 'done' || b.state === 'failed') continue;
    if (await ensureQueued(queue, { jobId, runNo, batchId: b.batch_id, kind: 'copy' })) enqueued++;
  }
  enqueued += await maybeFinalize(jobDb, queue, jobId, runNo);
  if (enqueued > 0) logger.info({ jobId, runNo, enqueued }, 'reconcile.enqueued');
  return {
    batches: batches.length, enqueued,
    files: batches.reduce((n, b) => n + Number(b.files), 0), bytes: batches.reduce((n, b) => n + Number(b.bytes), 0),
  };
}

/** Adds the batch's job unless the queue holds it unfinished. Returns true when it added it. */
async function ensureQueued(queue: BatchQueue, data: BatchJobData): Promise<boolean> {
  const job = await queue.getJob(data.batchId);
  if (job !== undefined && job !== null) {
    const state = await job.getState();
    if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return false;
    await job.remove().catch(() => undefined);
  }
  await queue.add(data.kind, data, { jobId: data.batchId, ...BATCH_JOB_OPTIONS });
  return true;
}

/**
 * When no copy batch of the run is left unfinished, records and enqueues the run's finalize step
 * (directory ACLs and times, deletes, run totals). Any worker may call it after finishing a batch;
 * the first call creates it. Returns 1 when it enqueued the step.
 */
export async function maybeFinalize(jobDb: JobDb, queue: BatchQueue, jobId: string, runNo: number): Promise<number> {
  const db = scaleoutDb(jobDb);
  const open = await db.selectFrom('scaleout_batches').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('job_id', '=', jobId).where('run_no', '=', runNo).where('kind', '=', 'copy').where('state', 'in', ['queued', 'running']).executeTakeFirst();
  if (Number(open?.n ?? 0) > 0) return 0;
  const batchId = finalizeBatchId(jobId, runNo);
  await db.insertInto('scaleout_batches').values({
    batch_id: batchId, job_id: jobId, run_no: runNo, seq: 0, kind: 'finalize', state: 'queued', lease_token: null, attempts: 0, worker: null,
    files: 0, bytes: 0, files_done: 0, files_failed: 0, bytes_done: 0, started_at: null, finished_at: null, wall_ms: 0, coord_ms: 0,
  }).onConflict((oc) => oc.column('batch_id').doNothing()).execute();
  const row = await db.selectFrom('scaleout_batches').select('state').where('batch_id', '=', batchId).executeTakeFirstOrThrow();
  if (row.state === 'done' || row.state === 'failed') return 0;
  return (await ensureQueued(queue, { jobId, runNo, batchId, kind: 'finalize' })) ? 1 : 0;
}
