import { StorageError } from '../core/errors.js';
import type { JobDb } from '../state/db.js';
import { getJob } from '../state/jobs.js';
import { openQueue, type QueueTarget } from './queue.js';
import { scaleoutDb } from './schema.js';

export interface WorkerFigures {
  worker: string;
  batches: number;
  files: number;
  bytes: number;
  /** Files and bytes per second of the worker's own batch time. */
  filesPerSecond: number;
  bytesPerSecond: number;
  /** Files that failed in the worker's finished batches. */
  filesFailed: number;
  /** Newest start or finish of any batch the worker took (ms since the epoch), or null. */
  lastSeen: number | null;
}

export interface DistributedStatus {
  jobId: string;
  runNo: number;
  runState: string;
  /** completed / failed once the run is finalized, else running. */
  status: 'running' | 'completed' | 'failed';
  files: { total: number; done: number; failed: number; pending: number; skipped: number };
  bytes: { total: number; done: number };
  batches: { total: number; done: number; running: number; queued: number; failed: number };
  /** Whole-run rate: bytes and files done over time since the run started (or until it finished). */
  filesPerSecond: number;
  bytesPerSecond: number;
  workers: WorkerFigures[];
  failures: { path: string; error: string }[];
  queue: { name: string; kind: string; waiting: number; active: number; delayed: number; failed: number } | undefined;
  /** Coordination time (manifest and queue) as a share of batch wall time, over finished batches. */
  coordinationShare: number;
}

/**
 * Aggregates a distributed job's progress across workers from the manifest (the truth), plus the
 * queue's depth. Throws StorageError('not-found') for a job that is not a distributed one.
 */
export async function distributedStatus(jobDb: JobDb, idOrPrefix: string, target: QueueTarget | undefined): Promise<DistributedStatus> {
  const job = await getJob(jobDb, idOrPrefix);
  const db = scaleoutDb(jobDb);
  const rec = await db.selectFrom('scaleout_jobs').selectAll().where('job_id', '=', job.id).executeTakeFirst();
  if (rec === undefined) throw new StorageError('not-found', `Job ${job.id} is not a distributed job (it was not planned with migrate --distributed).`);
  const runNo = Number(rec.run_no);
  const items = await db.selectFrom('items').select((eb) => ['state', eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('size').as('bytes')])
    .where('job_id', '=', job.id).where('kind', '=', 'file').groupBy('state').execute();
  const count = (states: string[]): number => items.filter((i) => states.includes(i.state)).reduce((n, i) => n + Number(i.n), 0);
  const bytesOf = (states: string[]): number => items.filter((i) => states.includes(i.state)).reduce((n, i) => n + Number(i.bytes ?? 0), 0);
  const batches = await db.selectFrom('scaleout_batches').selectAll().where('job_id', '=', job.id).where('run_no', '=', runNo).where('kind', '=', 'copy').execute();
  const byWorker = new Map<string, { batches: number; files: number; failed: number; bytes: number; ms: number; lastSeen: number | null }>();
  let wall = 0;
  let coord = 0;
  for (const b of batches) {
    if (b.worker === null) continue;
    const w = byWorker.get(b.worker) ?? { batches: 0, files: 0, failed: 0, bytes: 0, ms: 0, lastSeen: null };
    const seen = Math.max(Number(b.started_at ?? 0), Number(b.finished_at ?? 0));
    if (seen > 0) w.lastSeen = Math.max(w.lastSeen ?? 0, seen);
    byWorker.set(b.worker, w);
    if (b.state !== 'done') continue;
    w.batches++;
    w.failed += Number(b.files_failed);
    w.files += Number(b.files_done);
    w.bytes += Number(b.bytes_done);
    w.ms += Number(b.wall_ms);
    byWorker.set(b.worker, w);
    wall += Number(b.wall_ms);
    coord += Number(b.coord_ms);
  }
  const run = await db.selectFrom('runs').selectAll().where('job_id', '=', job.id).where('run_no', '=', runNo).executeTakeFirst();
  const startedAt = Number(run?.started_at ?? Date.now());
  const endedAt = run?.finished_at === null || run?.finished_at === undefined ? Date.now() : Number(run.finished_at);
  const seconds = Math.max(0.001, (endedAt - startedAt) / 1000);
  const runBatchFiles = batches.filter((b) => b.state === 'done').reduce((n, b) => n + Number(b.files_done), 0);
  const runBatchBytes = batches.filter((b) => b.state === 'done').reduce((n, b) => n + Number(b.bytes_done), 0);
  const failures = await db.selectFrom('items').select(['rel_path', 'last_error']).where('job_id', '=', job.id).where('state', '=', 'failed').orderBy('id').limit(20).execute();
  let queue: DistributedStatus['queue'];
  if (target !== undefined) {
    const q = openQueue(target, rec.queue_name);
    try {
      const c = await q.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
      queue = { name: rec.queue_name, kind: target.kind, waiting: (c['waiting'] ?? 0) + (c['prioritized'] ?? 0), active: c['active'] ?? 0, delayed: c['delayed'] ?? 0, failed: c['failed'] ?? 0 };
    } finally {
      await q.close();
    }
  }
  const finalized = rec.run_state === 'done';
  return {
    jobId: job.id, runNo, runState: rec.run_state,
    status: !finalized ? 'running' : job.status === 'failed' || count(['failed']) > 0 ? 'failed' : 'completed',
    files: { total: count(['pending', 'copying', 'copied', 'verified', 'failed', 'skipped']), done: count(['copied', 'verified']), failed: count(['failed']), pending: count(['pending', 'copying']), skipped: count(['skipped']) },
    bytes: { total: bytesOf(['pending', 'copying', 'copied', 'verified', 'failed', 'skipped']), done: bytesOf(['copied', 'verified']) },
    batches: {
      total: batches.length, done: batches.filter((b) => b.state === 'done').length, running: batches.filter((b) => b.state === 'running').length,
      queued: batches.filter((b) => b.state === 'queued').length, failed: batches.filter((b) => b.state === 'failed').length,
    },
    filesPerSecond: Math.round(runBatchFiles / seconds), bytesPerSecond: Math.round(runBatchBytes / seconds),
    workers: [...byWorker].map(([worker, w]) => ({
      worker, batches: w.batches, files: w.files, bytes: w.bytes,
      filesPerSecond: Math.round((w.files * 1000) / Math.max(1, w.ms)), bytesPerSecond: Math.round((w.bytes * 1000) / Math.max(1, w.ms)),
      filesFailed: w.failed, lastSeen: w.lastSeen,
    })).sort((a, b) => a.worker.localeCompare(b.worker)),
    failures: failures.map((f) => ({ path: f.rel_path, error: f.last_error ?? '' })),
    queue, coordinationShare: wall > 0 ? coord / wall : 0,
  };
}
