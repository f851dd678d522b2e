import type { Logger } from 'pino';
import { StorageError } from '../core/errors.js';
import { TaskPool } from '../engine/limits.js';
import type { MetadataContext } from '../engine/metadata.js';
import type { ResolvedMapping } from '../engine/plan.js';
import { DEFAULT_RETRY } from '../engine/retry.js';
import { DirectoryChecks } from '../engine/source-check.js';
import { refreshJobCounters } from '../engine/job-counters.js';
import { ByteBudget } from '../engine/limits.js';
import { applyItemMetadata, deleteItem, newTally, type WorkerContext } from '../engine/worker.js';
import type { JobDb } from '../state/db.js';
import { forgetDeletedItems, listItems, type ItemRow } from '../state/items.js';
import { finishRun, setDatasetWatermark } from '../state/jobs.js';
import type { JobRuntime } from './batch.js';
import { FencedUpdates, LeaseLostError, type Lease } from './lease.js';
import { scaleoutDb } from './schema.js';

/**
 * A run's closing step, once every copy batch is finished: directory ACLs, owners and times (after
 * their contents, as in `migrate`), deletes when the job asks for them (refused past max-delete), then
 * the run's totals, the data sets' watermarks (so the next incremental run compares against this one)
 * and the job's counters. Fenced by its lease like a copy batch.
 */
export async function runFinalize(jobDb: JobDb, lease: Lease, rt: JobRuntime, concurrency: number, logger: Logger): Promise<{ status: 'completed' | 'failed' }> {
  const db = scaleoutDb(jobDb);
  await db.updateTable('scaleout_jobs').set({ run_state: 'finalizing', updated_at: Date.now() }).where('job_id', '=', rt.jobId).execute();
  const abort = new AbortController();
  const updates = new FencedUpdates(jobDb, lease, () => abort.abort(new LeaseLostError(lease.batchId)));
  // Finalize writes items of every batch: mark them as its own first (one fenced statement per group).
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('items').set({ batch_id: lease.batchId }).where('job_id', '=', rt.jobId).where('state', '=', 'pending')
      .where((eb) => eb.or([eb.and([eb('kind', '=', 'directory'), eb('action', '=', 'meta')]), eb('action', '=', 'delete')])).execute();
  });
  const meta: MetadataContext = { preserve: rt.preserve, translate: { identityMap: rt.identityMap, unmapped: new Set(), dropped: new Set() }, retry: DEFAULT_RETRY, signal: abort.signal };
  const tally = newTally();
  const ctx: WorkerContext = {
    jobDb, updates, dirsWithTimes: new Set(), dirsInFlight: new Map(), source: rt.source, meta, tally, logger, signal: abort.signal, emit: () => undefined,
    transfer: { budget: new ByteBudget(64 * 1024 * 1024), blockSize: rt.blockSize, chunkConcurrency: 1, retry: DEFAULT_RETRY, signal: abort.signal },
    sourceChangeAttempts: 3, fileAttempts: 3, checks: new DirectoryChecks(rt.source, DEFAULT_RETRY, abort.signal), settling: new Set(), sourceChanges: new Map(),
  };
  const byName = new Map(rt.mappings.map((m) => [m.name, m]));
  const mappingOf = (row: ItemRow): ResolvedMapping => {
    const m = byName.get(row.dataset);
    if (m === undefined) throw new StorageError('invalid-argument', `The job database names a data set '${row.dataset}' that job ${rt.jobId} does not map.`);
    return m;
  };
  const pool = new TaskPool(concurrency);
  let afterId = 0;
  for (;;) {
    const rows = await listItems(jobDb, rt.jobId, { kind: 'directory', actions: ['meta'], states: ['pending'], afterId, limit: 500 });
    if (rows.length === 0 || abort.signal.aborted) break;
    for (const row of rows) await pool.run(() => applyItemMetadata(ctx, mappingOf(row), row).catch(() => undefined));
    afterId = rows[rows.length - 1]?.id ?? afterId;
  }
  await pool.drain();
  await updates.flush();
  let refused = false;
  if (rt.delete) {
    const candidates = await listItems(jobDb, rt.jobId, { actions: ['delete'], states: ['pending'], limit: rt.maxDelete + 1 });
    if (candidates.length > rt.maxDelete) {
      refused = true;
      logger.warn({ maxDelete: rt.maxDelete }, 'delete.refused');
    } else {
      for (const row of [...candidates].sort((a, b) => b.id - a.id)) await deleteItem(ctx, mappingOf(row), row);
      await updates.flush();
      await forgetDeletedItems(jobDb, candidates.map((r) => r.id));
    }
  }
  if (abort.signal.aborted) throw new LeaseLostError(lease.batchId);
  const batches = await db.selectFrom('scaleout_batches')
    .select((eb) => [eb.fn.sum<number>('files_done').as('done'), eb.fn.sum<number>('files_failed').as('failed'), eb.fn.sum<number>('bytes_done').as('bytes')])
    .where('job_id', '=', rt.jobId).where('run_no', '=', lease.runNo).where('kind', '=', 'copy').executeTakeFirst();
  const failedItems = await db.selectFrom('items').select((eb) => eb.fn.countAll<number>().as('n')).where('job_id', '=', rt.jobId).where('state', '=', 'failed').executeTakeFirst();
  const status = refused || Number(failedItems?.n ?? 0) > 0 ? 'failed' : 'completed';
  await finishRun(jobDb, rt.jobId, lease.runNo, status, {
    filesCopied: Number(batches?.done ?? 0), filesFailed: Number(failedItems?.n ?? 0), filesSkipped: 0, bytesCopied: Number(batches?.bytes ?? 0), deleted: tally.deleted,
  });
  const run = await db.selectFrom('runs').select('started_at').where('job_id', '=', rt.jobId).where('run_no', '=', lease.runNo).executeTakeFirstOrThrow();
  for (const m of rt.mappings) await setDatasetWatermark(jobDb, rt.jobId, m.name, Number(run.started_at), lease.runNo);
  await refreshJobCounters(jobDb, rt.jobId, status);
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('scaleout_batches').set({ state: 'done', finished_at: Date.now() }).where('batch_id', '=', lease.batchId).where('lease_token', '=', lease.token).execute();
    await trx.updateTable('scaleout_jobs').set({ run_state: 'done', updated_at: Date.now() }).where('job_id', '=', rt.jobId).execute();
  });
  logger.info({ jobId: rt.jobId, runNo: lease.runNo, status }, 'run.finalized');
  return { status };
}
