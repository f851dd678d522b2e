import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { StorageError } from '../core/errors.js';
import type { JobDb } from '../state/db.js';
import type { ItemPatch } from '../state/items.js';
import type { ItemUpdateSink } from '../engine/worker.js';
import { ItemUpdateQueue } from '../state/update-queue.js';
import { fencedItemUpdate } from './manifest.js';
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
 * written in one statement that carries the lease's fence (manifest.ts). When the lease is lost,
 * `onLost` is called (the worker aborts the batch) and nothing of that group is written.
 */
export class FencedUpdates extends ItemUpdateQueue implements ItemUpdateSink {
  /** Time spent writing (ms), for the coordination figures. */
  writeMs = 0;
  /** When the last write that found the lease held was sent (performance.now()); -Infinity before. */
  confirmedAt = -Infinity;
  /** Items whose last write left them `pending` (their source changed during the copy: another round). */
  readonly pendingIds = new Set<number>();

  constructor(jobDb: JobDb, private readonly lease: Lease, private readonly onLost: () => void) {
    super(jobDb, { maxPending: 200, maxDelayMs: 100 });
  }

  protected override async writeBatch(batch: { id: number; patch: ItemPatch }[]): Promise<void> {
    const started = performance.now();
    try {
      const { fenced, written } = await fencedItemUpdate(scaleoutDb(this.jobDb), this.lease, batch, Date.now());
      if (!fenced) throw new LeaseLostError(this.lease.batchId);
      this.confirmedAt = Math.max(this.confirmedAt, started);
      for (const w of written) {
        if (w.state === 'pending') this.pendingIds.add(w.id);
        else this.pendingIds.delete(w.id);
      }
    } catch (error) {
      if (error instanceof LeaseLostError) this.onLost();
      throw error;
    } finally {
      this.writeMs += performance.now() - started;
    }
  }
}
