import { sql, type Kysely } from 'kysely';
import type { ItemPatch, ItemRow } from '../state/items.js';
import type { Lease } from './lease.js';
import type { ScaleoutDatabase } from './schema.js';

/**
 * A copy batch's manifest statements, each one round trip with the lease's fence inside it: the
 * batch row is locked for share and must carry the lease's token, else the statement changes nothing
 * and says so (`fenced: false`). A takeover (takeLease's UPDATE of that row) waits for a statement in
 * progress and then replaces the token, so whatever a statement wrote was written under the lease.
 */

const FENCE = (lease: Lease): ReturnType<typeof sql> =>
  sql`SELECT 1 FROM scaleout_batches WHERE batch_id = ${lease.batchId} AND lease_token = ${lease.token} FOR SHARE`;

/** Item columns a fenced patch may set, with their PostgreSQL types (bit i of a row's mask: column i). */
const PATCH_COLUMNS = [
  ['kind', 'text'], ['action', 'text'], ['state', 'text'], ['attempts', 'integer'], ['last_error', 'text'], ['size', 'bigint'],
  ['mtime_ms', 'bigint'], ['source_etag', 'text'], ['md5', 'text'], ['committed_offset', 'bigint'], ['skip_reason', 'text'],
  ['seen_run', 'integer'], ['copies', 'integer'], ['batch_id', 'text'],
] as const;
type PatchColumn = (typeof PATCH_COLUMNS)[number][0];

export interface FencedWrite {
  /** The lease still held when the statement ran (false: nothing was written). */
  fenced: boolean;
  /** The rows written, with their state after the write (rows that left the batch are missing). */
  written: { id: number; state: string }[];
}

/**
 * Writes a group of item patches in one statement, fenced by the lease: the patches travel as one
 * array per column plus a mask per row of the columns it sets (the others are kept). Throws for a
 * patch naming a column outside PATCH_COLUMNS. Idempotent for the same patches.
 */
export async function fencedItemUpdate(db: Kysely<ScaleoutDatabase>, lease: Lease, batch: readonly { id: number; patch: ItemPatch }[], now: number): Promise<FencedWrite> {
  if (batch.length === 0) return { fenced: true, written: [] };
  const ids: number[] = [];
  const masks: number[] = [];
  const columns = PATCH_COLUMNS.map((): unknown[] => []);
  for (const { id, patch } of batch) {
    const values = patch as Partial<Record<PatchColumn | 'updated_at', unknown>>;
    for (const key of Object.keys(values)) {
      if (key !== 'updated_at' && !PATCH_COLUMNS.some(([c]) => c === key)) throw new Error(`Item column '${key}' cannot be written by a fenced update.`);
    }
    let mask = 0;
    PATCH_COLUMNS.forEach(([c], i) => {
      const present = Object.hasOwn(values, c) && values[c] !== undefined;
      if (present) mask |= 1 << i;
      columns[i]?.push(present ? values[c] : null);
    });
    ids.push(id);
    masks.push(mask);
  }
  const arrays = PATCH_COLUMNS.map(([, t], i) => sql`${columns[i]}::${sql.raw(t)}[]`);
  const names = PATCH_COLUMNS.map(([c]) => c).join(', ');
  const sets = PATCH_COLUMNS.map(([c], i) => `${c} = CASE WHEN u.m & ${1 << i} <> 0 THEN u.${c} ELSE i.${c} END`).join(', ');
  const res = await sql<{ fenced: number; id: number | null; state: string | null }>`WITH fence AS (${FENCE(lease)}),
    u AS (SELECT * FROM unnest(${ids}::bigint[], ${masks}::integer[], ${sql.join(arrays)}) AS u(id, m, ${sql.raw(names)})),
    w AS (UPDATE items AS i SET ${sql.raw(sets)}, updated_at = ${now} FROM u
      WHERE i.id = u.id AND i.batch_id = ${lease.batchId} AND EXISTS (SELECT 1 FROM fence) RETURNING i.id, i.state)
    SELECT (SELECT count(*) FROM fence) AS fenced, w.id, w.state FROM (SELECT 1) AS one LEFT JOIN w ON true`.execute(db);
  const fenced = Number(res.rows[0]?.fenced ?? 0) > 0;
  const written: { id: number; state: string }[] = [];
  for (const r of res.rows) if (r.id !== null && r.state !== null) written.push({ id: Number(r.id), state: r.state });
  return { fenced, written };
}

export interface ClaimedItems {
  fenced: boolean;
  /** The batch's items in `states` (id order), with the state each had before this claim. */
  rows: ItemRow[];
}

/**
 * Takes a batch's items in `states` for this attempt in one statement: marks them `copying` and
 * returns them as they were (so rows an earlier attempt left `copying` can be told apart); with
 * `filesOnly`, file items only. Nothing is marked when the lease is gone.
 */
export async function claimBatchItems(db: Kysely<ScaleoutDatabase>, lease: Lease, states: readonly string[], now: number, filesOnly = false): Promise<ClaimedItems> {
  const kinds = filesOnly ? ['file'] : ['file', 'directory'];
  const res = await sql<ItemRow & { fenced: number; prior: string | null }>`WITH fence AS (${FENCE(lease)}),
    s AS (SELECT id, state AS prior FROM items WHERE batch_id = ${lease.batchId} AND state = ANY(${[...states]}::text[]) AND kind = ANY(${kinds}::text[]) AND EXISTS (SELECT 1 FROM fence)),
    w AS (UPDATE items AS i SET state = 'copying', updated_at = ${now} FROM s WHERE i.id = s.id RETURNING i.*, s.prior)
    SELECT (SELECT count(*) FROM fence) AS fenced, w.* FROM (SELECT 1) AS one LEFT JOIN w ON true ORDER BY w.id`.execute(db);
  const fenced = Number(res.rows[0]?.fenced ?? 0) > 0;
  const rows: ItemRow[] = [];
  for (const r of res.rows) {
    if (r.prior === null || r.prior === undefined) continue;
    const { fenced: _f, prior, batch_id: _b, ...row } = r as typeof r & { batch_id?: unknown };
    rows.push({ ...row, state: prior } as ItemRow);
  }
  return { fenced, rows };
}

export interface BatchTotals {
  filesDone: number;
  filesFailed: number;
  bytesDone: number;
}

/**
 * Records the batch done with its totals (counted from its file items) and figures, in one
 * statement whose UPDATE is the fence (it matches only while the row carries the lease's token).
 * Returns undefined when the lease is gone (nothing recorded).
 */
export async function completeBatch(db: Kysely<ScaleoutDatabase>, lease: Lease, figures: { finishedAt: number; wallMs: number; coordMs: number }): Promise<BatchTotals | undefined> {
  const res = await sql<{ done: number; failed: number; bytes: number }>`WITH c AS (
      SELECT count(*) FILTER (WHERE state IN ('copied', 'verified')) AS done, count(*) FILTER (WHERE state = 'failed') AS failed,
        coalesce(sum(size) FILTER (WHERE state IN ('copied', 'verified')), 0) AS bytes
      FROM items WHERE batch_id = ${lease.batchId} AND kind = 'file')
    UPDATE scaleout_batches AS b SET state = 'done', finished_at = ${figures.finishedAt}, files_done = c.done, files_failed = c.failed,
      bytes_done = c.bytes, wall_ms = ${figures.wallMs}, coord_ms = ${figures.coordMs}
    FROM c WHERE b.batch_id = ${lease.batchId} AND b.lease_token = ${lease.token} RETURNING c.done, c.failed, c.bytes`.execute(db);
  const row = res.rows[0];
  if (row === undefined) return undefined;
  return { filesDone: Number(row.done), filesFailed: Number(row.failed), bytesDone: Number(row.bytes) };
}
