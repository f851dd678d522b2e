import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Transaction } from 'kysely';
import { sleep } from '../../core/sleep.js';
import type { DialectName } from '../../state/db.js';
import { BisyncStop } from './errors.js';
import type { BisyncKysely, BisyncTables } from './tables.js';

/**
 * The pair's lease: one row per pair with a fencing token. A run holds it while it writes; every
 * state write checks the token in the same transaction (fenced), so a run that lost its lease (paused
 * past its expiry, then another run took over) cannot write state. A lease whose time ran out, or
 * whose owner is a process on this host that no longer exists, is stale and taken over (logged).
 */

export interface Lease {
  pairId: string;
  token: string;
  owner: string;
  /** Why a stale lease was taken over, if one was. */
  takenOver?: string;
}

export function defaultOwner(): string {
  return `${hostname()}:${process.pid}`;
}

/** True when the owner names a process on this host that is gone (its lease is stale at once). */
function ownerIsDead(owner: string): boolean {
  const i = owner.lastIndexOf(':');
  if (i < 0 || owner.slice(0, i) !== hostname()) return false;
  const pid = Number(owner.slice(i + 1));
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as { code?: string }).code === 'ESRCH';
  }
}

export interface AcquireOptions {
  ttlMs: number;
  waitMs: number;
  owner: string;
  now: () => number;
  signal?: AbortSignal | undefined;
}

/** Takes the pair's lease, waiting up to `waitMs` for a live holder. Throws BisyncStop('locked'). */
export async function acquireLease(db: BisyncKysely, pairId: string, options: AcquireOptions): Promise<Lease> {
  const deadline = options.now() + options.waitMs;
  for (;;) {
    const got = await tryAcquire(db, pairId, options);
    if (got.lease !== undefined) return got.lease;
    if (options.now() >= deadline) {
      throw new BisyncStop('locked', `Another bisync run on this pair (${got.holder}) holds its lease until ${new Date(got.expiresAt).toISOString()}. Wait for it to finish, pass --lock-wait 5m to wait, or retry later; a crashed run's lease expires by itself.`);
    }
    await sleep(Math.min(1000, Math.max(50, deadline - options.now())), options.signal);
  }
}

async function tryAcquire(db: BisyncKysely, pairId: string, o: AcquireOptions): Promise<{ lease?: Lease; holder: string; expiresAt: number }> {
  const now = o.now();
  const token = randomUUID();
  const current = await db.selectFrom('bisync_lease').selectAll().where('pair_id', '=', pairId).executeTakeFirst();
  const row = { pair_id: pairId, owner: o.owner, token, acquired_at: now, renewed_at: now, expires_at: now + o.ttlMs };
  if (current === undefined) {
    const res = await db.insertInto('bisync_lease').values(row).onConflict((oc) => oc.column('pair_id').doNothing()).executeTakeFirst();
    if (Number(res.numInsertedOrUpdatedRows ?? 0) === 1) return { lease: { pairId, token, owner: o.owner }, holder: '', expiresAt: 0 };
    return { holder: 'another run', expiresAt: now + o.ttlMs };
  }
  const expired = current.expires_at <= now;
  const dead = !expired && ownerIsDead(current.owner);
  if (!expired && !dead) return { holder: current.owner, expiresAt: current.expires_at };
  // Compare-and-set on the old token: of two runs taking over at once, one wins.
  const res = await db.updateTable('bisync_lease').set(row).where('pair_id', '=', pairId).where('token', '=', current.token).executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) return { holder: 'another run', expiresAt: now + o.ttlMs };
  const why = expired ? `expired at ${new Date(current.expires_at).toISOString()}` : `its process ${current.owner} no longer exists`;
  return { lease: { pairId, token, owner: o.owner, takenOver: `took over the stale lease of ${current.owner} (${why})` }, holder: '', expiresAt: 0 };
}

/** Extends the lease; throws BisyncStop('lease-lost') when another run has taken it. */
export async function renewLease(db: BisyncKysely, lease: Lease, ttlMs: number, now: number): Promise<void> {
  const res = await db.updateTable('bisync_lease').set({ renewed_at: now, expires_at: now + ttlMs })
    .where('pair_id', '=', lease.pairId).where('token', '=', lease.token).executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) throw new BisyncStop('lease-lost', 'This run lost its lease on the pair to another run; it stopped writing. Rerun when the other run is done.');
}

/** Gives the lease up (only if still ours). Idempotent. */
export async function releaseLease(db: BisyncKysely, lease: Lease): Promise<void> {
  await db.deleteFrom('bisync_lease').where('pair_id', '=', lease.pairId).where('token', '=', lease.token).execute();
}

/**
 * Runs `fn` in a transaction that first checks the lease token (PostgreSQL: row-locked), so no write
 * of a run that lost its lease lands. Throws BisyncStop('lease-lost').
 */
export async function fenced<T>(db: BisyncKysely, dialect: DialectName, lease: Lease, fn: (trx: Transaction<BisyncTables>) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    let q = trx.selectFrom('bisync_lease').select('token').where('pair_id', '=', lease.pairId);
    if (dialect === 'postgres') q = q.forUpdate();
    const row = await q.executeTakeFirst();
    if (row?.token !== lease.token) throw new BisyncStop('lease-lost', 'This run lost its lease on the pair to another run; its state write was refused. Rerun when the other run is done.');
    return fn(trx);
  });
}
