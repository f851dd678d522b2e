import type { JobDb } from '../state/db.js';
import { countItems } from '../state/items.js';
import { updateJob } from '../state/jobs.js';
import type { JobStatus } from '../state/schema.js';

/** Recomputes a job's counters from its items and records its status. */
export async function refreshJobCounters(jobDb: JobDb, jobId: string, status: JobStatus): Promise<void> {
  const counts = await countItems(jobDb, jobId);
  const files = counts.filter((c) => c.kind === 'file');
  const sum = (xs: typeof files, f: (c: (typeof files)[number]) => number): number => xs.reduce((n, c) => n + f(c), 0);
  const done = files.filter((c) => c.state === 'copied' || c.state === 'verified');
  await updateJob(jobDb, jobId, {
    status,
    files_total: sum(files, (c) => c.count),
    files_done: sum(done, (c) => c.count),
    files_failed: sum(counts.filter((c) => c.state === 'failed'), (c) => c.count),
    files_skipped: sum(files.filter((c) => c.state === 'skipped'), (c) => c.count),
    bytes_total: sum(files, (c) => c.bytes),
    bytes_done: sum(done, (c) => c.bytes),
  });
}
