import type { Logger } from 'pino';
import type { JobDb } from '../state/db.js';
import { recordProgress } from '../state/progress.js';
import type { ScanCounters } from './plan.js';
import type { RunTally } from './worker.js';

/** How often a running job writes a progress sample (the dashboard's live counters and rate chart). */
export const PROGRESS_INTERVAL_MS = 1000;

/**
 * Writes a progress sample of a run every `intervalMs` (one INSERT; a sample still being written
 * makes the next tick skip) and one more on stop. Losing a sample loses nothing but a chart point,
 * so write errors are logged, never thrown. The timer does not keep the process alive.
 */
export function startProgressRecorder(a: { jobDb: JobDb; jobId: string; runNo: number; tally: RunTally; counters: ScanCounters; logger: Logger; intervalMs?: number }): { stop(): Promise<void> } {
  let writing: Promise<void> | undefined;
  const sample = (): Promise<void> => recordProgress(a.jobDb, {
    job_id: a.jobId, run_no: a.runNo, at: Date.now(), files_done: a.tally.filesCopied, files_failed: a.tally.filesFailed + a.tally.dirsFailed,
    bytes_done: a.tally.bytes, files_to_copy: a.counters.toCopy, bytes_to_copy: a.counters.bytesToCopy,
  }).catch((error: unknown) => a.logger.warn({ err: String(error) }, 'progress.record_failed'));
  const timer = setInterval(() => {
    if (writing !== undefined) return;
    writing = sample().finally(() => (writing = undefined));
  }, a.intervalMs ?? PROGRESS_INTERVAL_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await writing;
      await sample();
    },
  };
}
