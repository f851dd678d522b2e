import { sql, type Kysely } from 'kysely';
import type { JobDb } from '../state/db.js';
import type { JobDatabase } from '../state/schema.js';

/**
 * The scale-out tables, next to the job manifest in the same PostgreSQL schema:
 * - `scaleout_jobs`: one row per distributed job: what a worker needs to open the stores and run the
 *   engine (no secrets), the scale-out schema version it was planned with, its queue, its current run;
 * - `scaleout_batches`: one row per batch (the BullMQ job id is the batch id): its state, the lease
 *   token of the attempt that holds it, who ran it and how long copying and coordination took;
 * - `items.batch_id`: the batch an item belongs to in the current run.
 *
 * The manifest is the truth: a batch is done when its row says so, whatever the queue's job state.
 */

/**
 * Version of what a planner writes for workers (tables, spec and batch protocol). A worker refuses a
 * job planned with a version it does not know; bump it for any change a worker of the previous
 * version would misread.
 */
export const SCALEOUT_SCHEMA_VERSION = 1;

export type BatchState = 'queued' | 'running' | 'done' | 'failed';
export type ScaleoutRunState = 'planning' | 'running' | 'finalizing' | 'done';

export interface ScaleoutJobsTable {
  job_id: string;
  schema_version: number;
  lakeshift_version: string;
  /** JSON of JobSpec (see spec.ts). */
  spec: string;
  queue_kind: 'postgres' | 'redis';
  /** BullMQ queue name (one per destination account, so limits hold per account). */
  queue_name: string;
  run_no: number;
  run_state: ScaleoutRunState;
  created_at: number;
  updated_at: number;
}

export interface ScaleoutBatchesTable {
  batch_id: string;
  job_id: string;
  run_no: number;
  seq: number;
  /** 'finalize' for the run's closing step (directory ACLs and times, deletes, counters). */
  kind: 'copy' | 'finalize';
  state: BatchState;
  lease_token: string | null;
  attempts: number;
  worker: string | null;
  files: number;
  bytes: number;
  files_done: number;
  files_failed: number;
  bytes_done: number;
  started_at: number | null;
  finished_at: number | null;
  /** Wall time of the attempt that finished it, and the part spent on the manifest and queue. */
  wall_ms: number;
  coord_ms: number;
}

export interface ScaleoutDatabase extends Omit<JobDatabase, 'items'> {
  items: JobDatabase['items'] & { batch_id: string | null };
  scaleout_jobs: ScaleoutJobsTable;
  scaleout_batches: ScaleoutBatchesTable;
}

/** The job database seen with the scale-out tables. */
export function scaleoutDb(jobDb: JobDb): Kysely<ScaleoutDatabase> {
  return jobDb.db as unknown as Kysely<ScaleoutDatabase>;
}

/** Creates the scale-out tables and columns if missing (PostgreSQL; idempotent, safe to run concurrently). */
export async function migrateScaleout(jobDb: JobDb): Promise<void> {
  const db = scaleoutDb(jobDb);
  await db.transaction().execute(async (trx) => {
    // One migrator at a time (workers booting together): DDL IF NOT EXISTS races otherwise.
    await sql`SELECT pg_advisory_xact_lock(7461100001)`.execute(trx);
    await trx.schema.createTable('scaleout_jobs').ifNotExists()
      .addColumn('job_id', 'text', (c) => c.primaryKey())
      .addColumn('schema_version', 'integer', (c) => c.notNull())
      .addColumn('lakeshift_version', 'text', (c) => c.notNull())
      .addColumn('spec', 'text', (c) => c.notNull())
      .addColumn('queue_kind', 'text', (c) => c.notNull())
      .addColumn('queue_name', 'text', (c) => c.notNull())
      .addColumn('run_no', 'integer', (c) => c.notNull())
      .addColumn('run_state', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await trx.schema.createTable('scaleout_batches').ifNotExists()
      .addColumn('batch_id', 'text', (c) => c.primaryKey())
      .addColumn('job_id', 'text', (c) => c.notNull())
      .addColumn('run_no', 'integer', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('lease_token', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('worker', 'text')
      .addColumn('files', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('bytes', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('files_done', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('files_failed', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('bytes_done', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('started_at', 'bigint')
      .addColumn('finished_at', 'bigint')
      .addColumn('wall_ms', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('coord_ms', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute();
    await trx.schema.createIndex('scaleout_batches_run').ifNotExists().on('scaleout_batches').columns(['job_id', 'run_no', 'state']).execute();
    await sql`ALTER TABLE items ADD COLUMN IF NOT EXISTS batch_id text`.execute(trx);
    await trx.schema.createIndex('items_batch').ifNotExists().on('items').columns(['batch_id']).execute();
  });
}
