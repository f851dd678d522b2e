import { hostname } from 'node:os';
import { UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import { StorageError } from '../core/errors.js';
import { resolveOptions } from '../engine/migrate.js';
import { TokenBucket } from '../engine/limits.js';
import type { JobDb } from '../state/db.js';
import { runCopyBatch, type JobRuntime } from './batch.js';
import { runFinalize } from './finalize.js';
import { LeaseLostError, takeLease } from './lease.js';
import { LAKESHIFT_VERSION } from './plan.js';
import { openQueue, openWorker, prepareQueue, type BatchJob, type BatchQueue, type BatchWorker, type QueueTarget } from './queue.js';
import { maybeFinalize } from './reconcile.js';
import { migrateScaleout, scaleoutDb, SCALEOUT_SCHEMA_VERSION } from './schema.js';
import { openSpecStores, parseJobSpec, specOptions, type SpecStores, type StoreOpener } from './spec.js';

export interface WorkerRunOptions {
  jobDb: JobDb;
  target: QueueTarget;
  open: StoreOpener;
  /** Files in flight per batch (default 32). */
  concurrency?: number;
  /** Batches this process runs at once (default 2). */
  batches?: number;
  capMbps?: number;
  /** Return once no distributed job has work left (instead of waiting for new jobs). */
  exitWhenIdle?: boolean;
  /** BullMQ lock duration (default 30 s) and stalled-check interval (default lock / 2). */
  lockMs?: number;
  stalledMs?: number;
  /** A name for this worker in the manifest (default host:pid). */
  name?: string;
  logger: Logger;
  /** Fires to drain: no new batches, the running ones finish. */
  signal?: AbortSignal;
  /**
   * With exitWhenIdle: give up (StorageError 'transient', exit 4) once the job database has been
   * unreachable this long (default 60 s). Without it the worker waits out any outage.
   */
  outageMs?: number;
  /** Told one line per refused job (another scale-out schema). */
  onRefused?: (message: string) => void;
}

export interface WorkerRunResult {
  batches: number;
  files: number;
  bytes: number;
  failedFiles: number;
  refused: string[];
  drained: boolean;
}

const POLL_MS = 1000;

/**
 * A scale-out worker process: serves the BullMQ queues of every distributed job in the job database
 * that this lakeshift's scale-out schema knows, copying each batch with the engine under a lease.
 * Jobs of another schema are refused (told through onRefused) and left untouched for a matching
 * worker. Returns when drained (signal) or, with exitWhenIdle, when no job has work left.
 *
 * Throws StorageError('transient') when the queue server cannot be reached at start.
 */
export async function runWorker(o: WorkerRunOptions): Promise<WorkerRunResult> {
  const jobDb = o.jobDb;
  const db = scaleoutDb(jobDb);
  await prepareQueue(o.target);
  await migrateScaleout(jobDb);
  const name = o.name ?? `${hostname()}:${process.pid}`;
  const logger = o.logger.child({ worker: name });
  const bucket = o.capMbps === undefined ? undefined : new TokenBucket(o.capMbps);
  const lockMs = o.lockMs ?? 30_000;
  const runtimes = new Map<string, Promise<{ rt: JobRuntime; stores: SpecStores }>>();
  const workers = new Map<string, BatchWorker>();
  const queues = new Map<string, BatchQueue>();
  const refused = new Set<string>();
  const result: WorkerRunResult = { batches: 0, files: 0, bytes: 0, failedFiles: 0, refused: [], drained: false };

  const runtimeOf = (jobId: string): Promise<{ rt: JobRuntime; stores: SpecStores }> => {
    let p = runtimes.get(jobId);
    if (p === undefined) {
      p = (async () => {
        const rec = await db.selectFrom('scaleout_jobs').selectAll().where('job_id', '=', jobId).executeTakeFirstOrThrow();
        if (rec.schema_version !== SCALEOUT_SCHEMA_VERSION) throw new UnrecoverableError(`job ${jobId} has scale-out schema ${rec.schema_version}`);
        const spec = parseJobSpec(rec.spec, jobId);
        const stores = await openSpecStores(spec, o.open);
        const so = specOptions(spec);
        const resolved = resolveOptions({ source: stores.source, mappings: stores.mappings, jobDb, ...so });
        return {
          stores,
          rt: { jobId, source: stores.source, mappings: resolved.mappings, preserve: resolved.preserve, identityMap: so.identityMap, blockSize: resolved.blockSize, delete: so.delete, maxDelete: so.maxDelete },
        };
      })();
      p.catch(() => runtimes.delete(jobId));
      runtimes.set(jobId, p);
    }
    return p;
  };

  const handle = async (job: BatchJob): Promise<string> => {
    const { batchId, jobId, runNo, kind } = job.data;
    const leaseStarted = performance.now();
    const lease = await takeLease(jobDb, batchId, name);
    if (lease === undefined) return 'already finished';
    const leaseMs = performance.now() - leaseStarted;
    const { rt } = await runtimeOf(jobId);
    try {
      if (kind === 'finalize') {
        const r = await runFinalize(jobDb, lease, rt, o.concurrency ?? 32, logger);
        return r.status;
      }
      const out = await runCopyBatch(jobDb, lease, rt, { concurrency: o.concurrency ?? 32, bucket, logger, leaseMs });
      result.batches++;
      result.files += out.filesDone;
      result.failedFiles += out.filesFailed;
      result.bytes += out.bytesDone;
      const queue = queues.get(job.queueName);
      if (queue !== undefined) await maybeFinalize(jobDb, queue, jobId, runNo);
      return 'done';
    } catch (error) {
      // Lost to another worker: nothing to retry here (the queue's lock is gone too).
      if (error instanceof LeaseLostError) throw new UnrecoverableError(error.message);
      throw error;
    }
  };

  const discover = async (): Promise<void> => {
    const jobs = await db.selectFrom('scaleout_jobs').select(['job_id', 'schema_version', 'lakeshift_version', 'queue_name', 'run_state']).where('run_state', '<>', 'done').execute();
    for (const j of jobs) {
      if (j.schema_version !== SCALEOUT_SCHEMA_VERSION) {
        if (!refused.has(j.job_id)) {
          refused.add(j.job_id);
          const message = `Refusing job ${j.job_id}: it was planned by lakeshift ${j.lakeshift_version} with scale-out schema ${j.schema_version}, and this worker (lakeshift ${LAKESHIFT_VERSION}) knows schema ${SCALEOUT_SCHEMA_VERSION}. Run workers of a matching lakeshift for it.`;
          result.refused.push(message);
          o.onRefused?.(message);
        }
        continue;
      }
      if (workers.has(j.queue_name) || o.signal?.aborted) continue;
      queues.set(j.queue_name, openQueue(o.target, j.queue_name));
      const w = openWorker(o.target, j.queue_name, handle, {
        concurrency: o.batches ?? 2, lockDuration: lockMs, stalledInterval: o.stalledMs ?? Math.max(1000, Math.round(lockMs / 2)), maxStalledCount: 5,
      });
      w.on('error', (err) => logger.warn({ err: err.message }, 'queue.error'));
      w.on('failed', (job, err) => {
        if (job === undefined) return;
        logger.warn({ batch: job.data.batchId, attempt: job.attemptsMade, err: err.message }, 'batch.failed');
        // Out of attempts (and not merely lost to another worker): the manifest records it failed.
        if (job.attemptsMade >= (job.opts.attempts ?? 1) && !(err instanceof UnrecoverableError && err.message.includes('taken over'))) {
          void db.updateTable('scaleout_batches').set({ state: 'failed', finished_at: Date.now() }).where('batch_id', '=', job.data.batchId).where('state', '<>', 'done').execute()
            .then(() => { const q = queues.get(job.queueName); return q === undefined ? 0 : maybeFinalize(jobDb, q, job.data.jobId, job.data.runNo); })
            .catch((e: unknown) => logger.warn({ err: String(e) }, 'batch.record_failed'));
        }
      });
      workers.set(j.queue_name, w);
      logger.info({ queue: j.queue_name }, 'worker.serving');
    }
  };

  const idle = async (): Promise<boolean> => {
    const active = await db.selectFrom('scaleout_jobs').select(['job_id']).where('run_state', '<>', 'done').where('schema_version', '=', SCALEOUT_SCHEMA_VERSION).execute();
    return active.length === 0;
  };

  let failingSince: number | undefined;
  let pollMs = POLL_MS;
  try {
    for (;;) {
      try {
        await discover();
        if (o.exitWhenIdle === true && (await idle())) break;
        failingSince = undefined;
        pollMs = POLL_MS;
      } catch (error) {
        // The database restarting: keep serving, look again after a growing pause (up to 10 s).
        const why = (error as Error).message || String((error as { code?: string }).code ?? error);
        failingSince ??= Date.now();
        const down = Date.now() - failingSince;
        logger.warn({ err: why, downMs: down, retryMs: pollMs }, 'worker.poll_failed');
        if (o.exitWhenIdle === true && down >= (o.outageMs ?? 60_000)) {
          throw new StorageError('transient', `Lost the PostgreSQL job database for ${Math.round(down / 1000)} s (${why}); giving up as --exit-when-idle asks. Check that PostgreSQL is running and reachable, then start the worker again (finished files are kept).`);
        }
        pollMs = Math.min(10_000, pollMs * 2);
      }
      if (o.signal?.aborted) {
        result.drained = true;
        break;
      }
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(t);
          o.signal?.removeEventListener('abort', wake);
          resolve();
        };
        const t = setTimeout(wake, pollMs);
        o.signal?.addEventListener('abort', wake, { once: true });
      });
    }
  } finally {
    // close() lets the running batches finish (graceful drain) and takes no new ones.
    await Promise.all([...workers.values()].map((w) => w.close()));
    await Promise.all([...queues.values()].map((q) => q.close()));
    for (const p of runtimes.values()) await p.then((r) => r.stores.close(), () => undefined);
  }
  if (refused.size > 0 && result.batches === 0 && o.exitWhenIdle === true) {
    throw new StorageError('invalid-argument', result.refused[0] ?? 'Refused a job of another scale-out schema.');
  }
  return result;
}
