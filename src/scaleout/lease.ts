import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { StorageError } from '../core/errors.js';
import type { JobDb } from '../state/db.js';
import type { ItemPatch } from '../state/items.js';
import type { ItemUpdateSink } from '../engine/worker.js';
import { ItemUpdateQueue } from '../state/update-queue.js';
import { scaleoutDb, type ScaleoutDatabase } from './schema.js';

/**
 * Fencing: each attempt at a batch takes a fresh lease token on the batch's manifest row, and every
 * write of that attempt (item outcomes, the batch's completion, the check before each destination
 * commit) goes through only while the row still carries that token. A worker that stalled past its
 * queue lock, while another took the batch over, finds its token replaced: its late writes are
 * rejected and it commits nothing more at the destination.
 */

export class LeaseLostError extends StorageError {
  constructor(batchId: string) {
    super('cancelled', `Batch ${batchId} was taken over by another worker (this worker's lease ended); its late writes were rejected.`);
  }
}

export interface Lease {
  batchId: string;
  token: string;
  jobId: string;
  runNo: number;
  attempts: number;
}

/**
 * Takes a new lease on a batch that is not finished: a new token, attempts + 1, this worker's name.
 * Returns undefined when the batch is done, failed or unknown (a duplicate delivery: nothing to do).
 */
export async function takeLease(jobDb: JobDb, batchId: string, worker: string, now: number = Date.now()): Promise<Lease | undefined> {
  const token = randomUUID();
  const row = await scaleoutDb(jobDb).updateTable('scaleout_batches')
    .set((eb) => ({ lease_token: token, attempts: eb('attempts', '+', 1), worker, state: 'running', started_at: now }))
    .where('batch_id', '=', batchId).where('state', 'in', ['queued', 'running'])
    .returning(['job_id', 'run_no', 'attempts']).executeTakeFirst();
  if (row === undefined) return undefined;
  return { batchId, token, jobId: row.job_id, runNo: Number(row.run_no), attempts: Number(row.attempts) };
}

/**
 * Inside a transaction: locks the batch row for share (a takeover waits for this transaction) and
 * throws LeaseLostError unless it still carries the lease's token.
 */
export async function assertLease(trx: Transaction<ScaleoutDatabase> | Kysely<ScaleoutDatabase>, lease: Lease, lock = true): Promise<void> {
  let q = trx.selectFrom('scaleout_batches').select('lease_token').where('batch_id', '=', lease.batchId);
  if (lock) q = q.forShare();
  const row = await q.executeTakeFirst();
  if (row?.lease_token !== lease.token) throw new LeaseLostError(lease.batchId);
}

/**
 * The engine's item update queue, fenced by a lease: updates gather (up to 200 or 100 ms) and are
 * written in one transaction that first checks the lease. When the lease is lost, `onLost` is called
 * (the worker aborts the batch) and nothing of that group is written.
 */
export class FencedUpdates extends ItemUpdateQueue implements ItemUpdateSink {
  /** Time spent writing (ms), for the coordination figures. */
  writeMs = 0;

  constructor(jobDb: JobDb, private readonly lease: Lease, private readonly onLost: () => void) {
    super(jobDb, { maxPending: 200, maxDelayMs: 100 });
  }

  protected override async writeBatch(batch: { id: number; patch: ItemPatch }[]): Promise<void> {
    const started = performance.now();
    try {
      const db = scaleoutDb(this.jobDb);
      const written = await fencedItemUpdate(db, this.lease, batch, Date.now());
      // Fewer rows than asked: the lease is gone (the statement wrote nothing), or rows left the batch.
      if (written < batch.length) await assertLease(db, this.lease, false);
    } catch (error) {
      if (error instanceof LeaseLostError) this.onLost();
      throw error;
    } finally {
      this.writeMs += performance.now() - started;
    }
  }
}

/** Item columns a patch may set, with their PostgreSQL types. */
const PATCH_COLUMNS: readonly [string, 'text' | 'integer' | 'bigint'][] = [
  ['kind', 'text'], ['action', 'text'], ['state', 'text'], ['attempts', 'integer'], ['last_error', 'text'], ['size', 'bigint'],
  ['mtime_ms', 'bigint'], ['source_etag', 'text'], ['md5', 'text'], ['committed_offset', 'bigint'], ['skip_reason', 'text'],
  ['seen_run', 'integer'], ['copies', 'integer'], ['batch_id', 'text'],
];

/**
 * One statement for a whole group of item updates, fenced by the lease: the batch row is locked for
 * share and must carry the lease's token, else nothing is written. Each item's patch travels as JSON
 * (columns it names are set, the others kept). Returns the number of rows written.
 */
export async function fencedItemUpdate(db: Kysely<ScaleoutDatabase>, lease: Lease, batch: readonly { id: number; patch: ItemPatch }[], now: number): Promise<number> {
  if (batch.length === 0) return 0;
  for (const { patch } of batch) {
    for (const key of Object.keys(patch)) {
      if (key !== 'updated_at' && !PATCH_COLUMNS.some(([c]) => c === key)) throw new Error(`Item column '${key}' cannot be written by a fenced update.`);
    }
  }
  const sets = PATCH_COLUMNS.map(([c, t]) => `${c} = CASE WHEN e.x->'p' ? '${c}' THEN (e.x->'p'->>'${c}')::${t} ELSE i.${c} END`).join(', ');
  const payload = JSON.stringify(batch.map(({ id, patch }) => ({ id, p: patch })));
  const res = await sql<{ id: number }>`WITH fence AS (SELECT 1 FROM scaleout_batches WHERE batch_id = ${lease.batchId} AND lease_token = ${lease.token} FOR SHARE)
    UPDATE items AS i SET ${sql.raw(sets)}, updated_at = ${now}
    FROM jsonb_array_elements(${payload}::jsonb) AS e(x)
    WHERE i.id = (e.x->>'id')::bigint AND i.batch_id = ${lease.batchId} AND EXISTS (SELECT 1 FROM fence)`.execute(db);
  return Number(res.numAffectedRows ?? 0n);
}
