import type { Logger } from 'pino';
import { pino } from 'pino';
import { joinPath } from '../core/entry.js';
import { StorageError } from '../core/errors.js';
import { createPathFilter } from '../engine/filters.js';
import { computeJobKey, describeOptions, resolveOptions } from '../engine/migrate.js';
import { newScanCounters, scanMapping, type ScanCounters } from '../engine/plan.js';
import type { MigrationOptions } from '../engine/types.js';
import { createJob, findJobByKey, startRun, updateJob, upsertDataset } from '../state/jobs.js';
import { BATCH_JOB_OPTIONS, openQueue, prepareQueue, type BatchJobData, type BatchQueue, type QueueTarget } from './queue.js';
import { migrateScaleout, scaleoutDb, SCALEOUT_SCHEMA_VERSION } from './schema.js';
import { queueNameFor, type JobSpec } from './spec.js';
import { reconcileRun } from './reconcile.js';

/** lakeshift's version, recorded with each distributed job (workers print it when they refuse one). */
export const LAKESHIFT_VERSION = '0.1.0';

export interface DistributedPlanOptions extends MigrationOptions {
  spec: JobSpec;
  target: QueueTarget;
  /** Files per batch at most (default 500) and bytes per batch at most (default 8 GiB; a larger file is a batch of its own). */
  batchFiles?: number;
  batchBytes?: number;
  /** Batches of this job's destination account in flight across all workers (BullMQ global concurrency). */
  accountBatches?: number;
}

export interface DistributedPlanResult {
  jobId: string;
  runNo: number;
  /** 'planned': a new run was scanned and enqueued; 'reconciled': a run in progress was checked against the queue. */
  outcome: 'planned' | 'reconciled';
  batches: number;
  enqueued: number;
  files: number;
  bytes: number;
  queueName: string;
  counters?: ScanCounters;
}

export const DEFAULT_BATCH_FILES = 500;
export const DEFAULT_BATCH_BYTES = 8 * 1024 ** 3;

/**
 * Plans a distributed run into the PostgreSQL job database and enqueues its batches: scan (as
 * `migrate` does) -> cut the pending items into batches, each recorded in the manifest (batch row and
 * the items' batch_id in one transaction) before it is enqueued under its batch id. A rerun while a
 * run is in progress (or after the planner crashed) reconciles: it enqueues every unfinished batch
 * the queue lacks, so the manifest and the queue never disagree for long. A rerun after a finished
 * run starts the next (incremental) run.
 *
 * Throws StorageError('invalid-argument') for a job planned by a lakeshift with another scale-out
 * schema, and StorageError('transient') when the queue cannot be reached.
 */
export async function planDistributed(o: DistributedPlanOptions): Promise<DistributedPlanResult> {
  const logger: Logger = o.logger ?? pino({ level: 'silent' });
  const jobDb = o.jobDb;
  if (jobDb.dialect !== 'postgres') throw new StorageError('invalid-argument', '--distributed needs a PostgreSQL job database: give --state postgres://USER@HOST:5432/DB.');
  await prepareQueue(o.target);
  await migrateScaleout(jobDb);
  const db = scaleoutDb(jobDb);
  const opts = resolveOptions(o);
  const jobKey = computeJobKey(o, opts.mappings, opts.preserve);
  const jobId = `j${jobKey.slice(0, 11)}`;
  const queueName = queueNameFor(o.spec, SCALEOUT_SCHEMA_VERSION);
  const queue = openQueue(o.target, queueName);
  try {
    if (o.accountBatches !== undefined) await queue.setGlobalConcurrency(o.accountBatches);
    const record = await db.selectFrom('scaleout_jobs').selectAll().where('job_id', '=', jobId).executeTakeFirst();
    if (record !== undefined && record.schema_version !== SCALEOUT_SCHEMA_VERSION) {
      throw new StorageError('invalid-argument', `Job ${jobId} was planned by lakeshift ${record.lakeshift_version} (scale-out schema ${record.schema_version}); this lakeshift ${LAKESHIFT_VERSION} knows schema ${SCALEOUT_SCHEMA_VERSION}. Use a matching lakeshift.`);
    }
    if (record !== undefined && (record.run_state === 'running' || record.run_state === 'finalizing')) {
      const r = await reconcileRun(jobDb, queue, jobId, record.run_no, logger);
      return { jobId, runNo: record.run_no, outcome: 'reconciled', batches: r.batches, enqueued: r.enqueued, files: r.files, bytes: r.bytes, queueName };
    }
    const existing = await findJobByKey(jobDb, jobKey);
    let runNo: number;
    let runStartedMs: number;
    const now = Date.now();
    if (record !== undefined && record.run_state === 'planning') {
      // The planner died during this run's scan or batching: scan again (idempotent) and go on.
      runNo = record.run_no;
      const run = await db.selectFrom('runs').select('started_at').where('job_id', '=', jobId).where('run_no', '=', runNo).executeTakeFirstOrThrow();
      runStartedMs = Number(run.started_at);
    } else {
      const job = existing ?? (await createJob(jobDb, {
        id: jobId, jobKey, kind: o.kind ?? 'lift-and-shift', source: o.source.displayUri,
        dest: o.destDisplay ?? [...new Set(opts.mappings.map((m) => m.dest.displayUri))].join(' '),
        options: describeOptions(o, opts.mappings, opts.preserve),
      }));
      const run = await startRun(jobDb, job.id);
      runNo = run.run_no;
      runStartedMs = run.started_at;
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('items').set({ batch_id: null }).where('job_id', '=', jobId).where('batch_id', 'is not', null).execute();
        const row = {
          job_id: jobId, schema_version: SCALEOUT_SCHEMA_VERSION, lakeshift_version: LAKESHIFT_VERSION, spec: JSON.stringify(o.spec),
          queue_kind: o.target.kind, queue_name: queueName, run_no: runNo, run_state: 'planning' as const, created_at: now, updated_at: now,
        };
        await trx.insertInto('scaleout_jobs').values(row)
          .onConflict((oc) => oc.column('job_id').doUpdateSet({ spec: row.spec, queue_kind: row.queue_kind, queue_name: row.queue_name, run_no: runNo, run_state: 'planning', updated_at: now }))
          .execute();
      });
    }
    await updateJob(jobDb, jobId, { status: 'scanning', kind: o.kind ?? 'lift-and-shift', options: JSON.stringify(describeOptions(o, opts.mappings, opts.preserve)) });
    for (const m of opts.mappings) await upsertDataset(jobDb, { jobId, name: m.name, sourcePrefix: m.sourcePrefix, dest: joinPath(m.dest.displayUri, m.destPath) });
    logger.info({ jobId, runNo }, 'plan.scan_started');
    const counters = newScanCounters();
    const filter = createPathFilter(o.include, o.exclude);
    for (const mapping of opts.mappings) {
      await scanMapping({
        jobDb, jobId, runNo, hasHistory: existing !== undefined, source: o.source, mapping, filter, kind: o.kind ?? 'lift-and-shift',
        overwrite: opts.overwrite, checksum: o.checksum ?? false, delete: o.delete ?? false, preserve: opts.preserve,
        identityMap: o.identityMap, counters, signal: o.signal, runStartedMs, onBatch: () => undefined,
      });
    }
    const cut = await cutBatches(o, jobId, runNo, queue);
    await db.updateTable('scaleout_jobs').set({ run_state: 'running', updated_at: Date.now() }).where('job_id', '=', jobId).execute();
    await updateJob(jobDb, jobId, { status: 'running' });
    // Enqueues anything a crash left out, and the finalize step when there was nothing to copy.
    const r = await reconcileRun(jobDb, queue, jobId, runNo, logger);
    logger.info({ jobId, runNo, batches: cut.batches }, 'plan.enqueued');
    return { jobId, runNo, outcome: 'planned', batches: r.batches, enqueued: cut.enqueued + r.enqueued, files: r.files, bytes: r.bytes, queueName, counters };
  } finally {
    await queue.close();
  }
}

/**
 * Cuts the run's pending, unbatched items (scan order) into batches of at most batchFiles files and
 * batchBytes bytes, records each (batch row + items' batch_id, one transaction) and then enqueues it.
 */
async function cutBatches(o: DistributedPlanOptions, jobId: string, runNo: number, queue: BatchQueue): Promise<{ batches: number; enqueued: number }> {
  const db = scaleoutDb(o.jobDb);
  const maxFiles = o.batchFiles ?? DEFAULT_BATCH_FILES;
  const maxBytes = o.batchBytes ?? DEFAULT_BATCH_BYTES;
  const last = await db.selectFrom('scaleout_batches').select((eb) => eb.fn.max('seq').as('seq')).where('job_id', '=', jobId).where('run_no', '=', runNo).executeTakeFirst();
  let seq = Number(last?.seq ?? 0);
  let batches = 0;
  let enqueued = 0;
  let afterId = 0;
  let current: { ids: number[]; bytes: number } = { ids: [], bytes: 0 };
  const pendingAdds: { name: string; data: BatchJobData; opts: { jobId: string } & typeof BATCH_JOB_OPTIONS }[] = [];
  const flushAdds = async (): Promise<void> => {
    if (pendingAdds.length === 0) return;
    await queue.addBulk(pendingAdds.splice(0));
  };
  const close = async (): Promise<void> => {
    if (current.ids.length === 0) return;
    seq++;
    const batchId = `b-${jobId}-r${runNo}-${seq}`;
    const ids = current.ids;
    const bytes = current.bytes;
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('scaleout_batches').values({
        batch_id: batchId, job_id: jobId, run_no: runNo, seq, kind: 'copy', state: 'queued', lease_token: null, attempts: 0, worker: null,
        files: ids.length, bytes, files_done: 0, files_failed: 0, bytes_done: 0, started_at: null, finished_at: null, wall_ms: 0, coord_ms: 0,
      }).execute();
      for (let i = 0; i < ids.length; i += 1000) await trx.updateTable('items').set({ batch_id: batchId }).where('id', 'in', ids.slice(i, i + 1000)).execute();
    });
    batches++;
    pendingAdds.push({ name: 'copy', data: { jobId, runNo, batchId, kind: 'copy' }, opts: { jobId: batchId, ...BATCH_JOB_OPTIONS } });
    enqueued++;
    if (pendingAdds.length >= 100) await flushAdds();
    current = { ids: [], bytes: 0 };
  };
  for (;;) {
    const rows = await db.selectFrom('items').select(['id', 'size'])
      .where('job_id', '=', jobId).where('state', '=', 'pending').where('batch_id', 'is', null).where('id', '>', afterId)
      .where((eb) => eb.or([
        eb.and([eb('kind', '=', 'file'), eb('action', 'in', ['copy', 'meta'])]),
        eb.and([eb('kind', '=', 'directory'), eb('action', '=', 'copy')]),
      ]))
      .orderBy('id').limit(5000).execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      const size = Number(r.size);
      if (current.ids.length > 0 && (current.ids.length >= maxFiles || current.bytes + size > maxBytes)) await close();
      current.ids.push(r.id);
      current.bytes += size;
      afterId = r.id;
    }
  }
  await close();
  await flushAdds();
  return { batches, enqueued };
}
