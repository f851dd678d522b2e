import type { Generated } from 'kysely';

/**
 * The job database schema, shared by SQLite and PostgreSQL. Times are milliseconds since the epoch
 * (bigint columns read back as JS numbers on both dialects); sizes are bytes.
 */

export type JobStatus = 'created' | 'scanning' | 'running' | 'completed' | 'failed' | 'cancelled';
export type ItemKind = 'file' | 'directory';
/** What the engine must do with an item in the current run. */
export type ItemAction = 'copy' | 'meta' | 'delete' | 'none';
export type ItemState = 'pending' | 'copying' | 'copied' | 'verified' | 'failed' | 'skipped';
export type RunStatus = 'running' | 'completed' | 'failed' | 'cancelled';

export interface JobsTable {
  id: string;
  job_key: string;
  kind: string;
  /** Redacted source URI. */
  source: string;
  /** Redacted destination URI(s). */
  dest: string;
  /** The job's options as JSON (no secrets). */
  options: string;
  status: JobStatus;
  created_at: number;
  updated_at: number;
  runs: number;
  files_total: number;
  files_done: number;
  files_failed: number;
  files_skipped: number;
  bytes_total: number;
  bytes_done: number;
}

export interface RunsTable {
  id: Generated<number>;
  job_id: string;
  run_no: number;
  status: RunStatus;
  started_at: number;
  finished_at: number | null;
  files_copied: number;
  files_failed: number;
  files_skipped: number;
  bytes_copied: number;
  deleted: number;
  /** Scan start time of the run: the next incremental run treats changes after it as new. */
  watermark: number | null;
}

export interface DatasetsTable {
  job_id: string;
  name: string;
  source_prefix: string;
  dest: string;
  watermark: number | null;
  last_run: number | null;
}

export interface ItemsTable {
  id: Generated<number>;
  job_id: string;
  dataset: string;
  rel_path: string;
  /** Unique key of rel_path that stays short for any path length (see pathKey in items.ts; the name predates it). */
  path_hash: string;
  kind: ItemKind;
  action: ItemAction;
  state: ItemState;
  attempts: number;
  last_error: string | null;
  size: number;
  mtime_ms: number;
  source_etag: string | null;
  md5: string | null;
  committed_offset: number;
  skip_reason: string | null;
  /** Run number that last saw the item in the source scan. */
  seen_run: number;
  /** How many times this job committed the item at the destination (>0: the destination copy is ours). */
  copies: number;
  created_at: number;
  updated_at: number;
}

/** A sample of a running job's progress, written every few seconds by the engine (the dashboard's rate chart). */
export interface ProgressTable {
  id: Generated<number>;
  job_id: string;
  run_no: number;
  at: number;
  /** Files and bytes this run has copied, and files that failed, so far. */
  files_done: number;
  files_failed: number;
  bytes_done: number;
  /** What this run's scan found to copy so far (grows while the scan runs). */
  files_to_copy: number;
  bytes_to_copy: number;
}

export interface JobDatabase {
  jobs: JobsTable;
  runs: RunsTable;
  datasets: DatasetsTable;
  items: ItemsTable;
  progress: ProgressTable;
}
