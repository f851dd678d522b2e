import { StorageError } from '../core/errors.js';
import { runMigration } from '../engine/migrate.js';
import { sleep } from '../engine/retry.js';
import { checkpointJobDb } from '../state/db.js';
import type { MigrationOptions, MigrationSummary } from '../engine/types.js';

/** Default safety limit on deletions per run: a run that would delete more deletes nothing. */
export const DEFAULT_MAX_DELETE = 1000;

export interface IncrementalOptions extends Omit<MigrationOptions, 'kind'> {
  /** Repeat every this many ms until `stopSignal` fires (default: run once). */
  everyMs?: number;
  /** Ends the loop after the current run (SIGINT); `signal` instead cancels the run itself. */
  stopSignal?: AbortSignal;
  /** Called after each run with its summary. */
  onRun?: (summary: MigrationSummary) => void;
}

/**
 * Incremental copy: each run marches source and destination and copies only new and changed files
 * (size and mtime, or MD5 of both sides with `checksum`), applies changed ACLs, owners and
 * permissions, and with `delete` removes destination paths that left the source, refusing (deleting
 * nothing) past `maxDelete` (default DEFAULT_MAX_DELETE = 1000; chosen over a percentage because a
 * fixed number is predictable for small and huge lakes alike, and can be raised explicitly).
 * Run history and per-data-set watermarks are kept in the job database.
 * Returns the summary of every run, oldest first.
 */
export async function runIncremental(options: IncrementalOptions): Promise<MigrationSummary[]> {
  const { everyMs, stopSignal, onRun, ...rest } = options;
  if (everyMs !== undefined && !(everyMs >= 1000)) throw new StorageError('invalid-argument', `The repeat interval must be at least 1 s; got ${everyMs} ms.`);
  const summaries: MigrationSummary[] = [];
  for (;;) {
    const summary = await runMigration({ ...rest, kind: 'incremental', maxDelete: rest.maxDelete ?? DEFAULT_MAX_DELETE });
    summaries.push(summary);
    // A process that repeats for weeks must not hold the WAL at its autocheckpoint size between runs
    // (checkpointed before the run is reported, so that what watches the report sees the result).
    if (everyMs !== undefined) checkpointJobDb(rest.jobDb);
    onRun?.(summary);
    if (everyMs === undefined || summary.status === 'cancelled' || stopSignal?.aborted || rest.dryRun === true) return summaries;
    try {
      await sleep(everyMs, stopSignal);
    } catch {
      return summaries;
    }
  }
}

/**
 * Parses an interval such as `90s`, `15m`, `2h`, `1d` (or plain seconds) into milliseconds.
 * Throws StorageError('invalid-argument') saying what is accepted.
 */
export function parseInterval(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(text);
  if (m === null || m[1] === undefined) throw new StorageError('invalid-argument', `Invalid interval '${text}'. Write a number with a unit: 90s, 15m, 2h or 1d.`);
  const unit = (m[2] ?? 's').toLowerCase();
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : unit === 'h' ? 3_600_000 : 86_400_000;
  return Math.round(Number(m[1]) * factor);
}
