import type { Insertable, Selectable } from 'kysely';
import type { JobDb } from './db.js';
import type { ProgressTable } from './schema.js';

export type ProgressRow = Selectable<ProgressTable>;
export type NewProgress = Omit<Insertable<ProgressTable>, 'id'>;

/** Appends one progress sample of a running job. */
export async function recordProgress(jobDb: JobDb, sample: NewProgress): Promise<void> {
  await jobDb.db.insertInto('progress').values(sample).execute();
}

/**
 * Progress samples in id order: of one job when `jobId` is given, else of every job; only ids above
 * `afterId` (keyset paging; what a poller has not seen yet). Uses the (job_id, id) index or the key.
 */
export async function listProgress(jobDb: JobDb, q: { jobId?: string; afterId?: number; limit: number }): Promise<ProgressRow[]> {
  let query = jobDb.db.selectFrom('progress').selectAll();
  if (q.jobId !== undefined) query = query.where('job_id', '=', q.jobId);
  if (q.afterId !== undefined) query = query.where('id', '>', q.afterId);
  return query.orderBy('id', 'asc').limit(q.limit).execute();
}

/** The highest progress id recorded (0 when none): where a new poller starts. */
export async function lastProgressId(jobDb: JobDb): Promise<number> {
  const row = await jobDb.db.selectFrom('progress').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
  return Number(row?.id ?? 0);
}
