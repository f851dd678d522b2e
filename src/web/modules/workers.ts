import { distributedStatus, type DistributedStatus } from '../../scaleout/status.js';
import { resolveQueueTarget } from '../../scaleout/queue.js';
import { scaleoutDb } from '../../scaleout/schema.js';
import { hasTables } from './recorded.js';
import type { DashboardContext, DashboardModule } from './types.js';

/** What the Workers page shows without a PostgreSQL job database (distributed jobs live only there). */
export const WORKERS_NEED_POSTGRES = 'Scale-out workers record their progress in a PostgreSQL job database: start the dashboard with lakeshift serve --state postgres://USER@HOST:5432/DB (password from PGPASSWORD), the URL the workers and migrate --distributed use.';

export interface WorkersView {
  available: true;
  postgres: boolean;
  /** Set when postgres is false: how to get this page. */
  hint: string | null;
  /** Newest first; each is what `lakeshift jobs show JOB --state ...` prints. */
  jobs: (DistributedStatus & { createdAt: number; queueNote: string | null })[];
}

/**
 * The distributed jobs of the job database with their aggregate (distributedStatus, the function
 * behind `jobs show --state`): files, bytes, rate, per-worker figures, failures and queue depth.
 */
export async function readWorkers(ctx: DashboardContext, limit: number): Promise<WorkersView> {
  if (ctx.postgres === undefined || ctx.jobDb.dialect !== 'postgres') return { available: true, postgres: false, hint: WORKERS_NEED_POSTGRES, jobs: [] };
  if (!(await hasTables(ctx.jobDb, ['scaleout_jobs', 'scaleout_batches']))) return { available: true, postgres: true, hint: null, jobs: [] };
  const pgState = ctx.postgres;
  const recs = await scaleoutDb(ctx.jobDb).selectFrom('scaleout_jobs').select(['job_id', 'queue_kind', 'created_at']).orderBy('created_at', 'desc').orderBy('job_id').limit(limit).execute();
  const jobs = await Promise.all(recs.map(async (r) => {
    let queueNote: string | null = null;
    let status: DistributedStatus;
    if (r.queue_kind === 'postgres') {
      try {
        status = await distributedStatus(ctx.jobDb, r.job_id, resolveQueueTarget(pgState.url, pgState.schema, undefined));
      } catch (error) {
        // The queue's error text may name its server; log it, show a plain note.
        ctx.logger.warn({ job: r.job_id, err: error instanceof Error ? error.message : String(error) }, 'workers.queue.unreadable');
        status = await distributedStatus(ctx.jobDb, r.job_id, undefined);
        queueNote = 'The queue could not be read just now (see the dashboard log); the figures come from the manifest.';
      }
    } else {
      status = await distributedStatus(ctx.jobDb, r.job_id, undefined);
      queueNote = 'The queue is on Redis: lakeshift jobs show JOB --state ... --queue redis://... shows its depth.';
    }
    return { ...status, createdAt: Number(r.created_at), queueNote };
  }));
  return { available: true, postgres: true, hint: null, jobs };
}

/** Scale-out: distributed jobs, their workers and queue depth. */
export const workersModule: DashboardModule = {
  id: 'workers',
  title: 'Workers',
  path: '/workers',
  // Always a page: without PostgreSQL it says how to get one (it is not a capability missing from the build).
  availability: () => Promise.resolve({ available: true }),
  register(app, ctx) {
    app.get('/api/workers', async () => readWorkers(ctx, 50));
  },
};
