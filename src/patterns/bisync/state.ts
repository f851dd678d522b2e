import { createHash } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Entry } from '../../core/entry.js';
import type { BisyncEntryTable, BisyncKysely, BisyncPairTable, BisyncTables } from './tables.js';
import type { CompareKey, Side } from './types.js';

/** What one side had at a path at the last agreement. */
export interface SideState {
  size: number;
  mtimeMs: number;
  version: string | null;
}

/** A baseline row as the run uses it. */
export interface Baseline {
  path: string;
  kind: 'file' | 'dir';
  s1: SideState;
  s2: SideState;
  md5: string | null;
}

export function sideOf(b: Baseline, side: Side): SideState {
  return side === 1 ? b.s1 : b.s2;
}

export function stateOf(e: Entry): SideState {
  return { size: e.kind === 'file' ? e.size : 0, mtimeMs: e.mtimeMs, version: e.etag ?? null };
}

/** The pair's id: a digest of the two (redacted) URIs, so the same pair always finds its state. */
export function pairIdOf(path1: string, path2: string): string {
  return createHash('sha256').update(`${path1}\n${path2}`).digest('hex').slice(0, 24);
}

/** Digest of the filters: a change means the baseline no longer describes the same set of paths. */
export function filtersHash(include: readonly string[], exclude: readonly string[]): string {
  return createHash('sha1').update(JSON.stringify({ include, exclude })).digest('hex');
}

export function compareText(keys: readonly CompareKey[]): string {
  return [...new Set(keys)].sort().join(',');
}

export async function loadPair(db: BisyncKysely, pairId: string): Promise<BisyncPairTable | undefined> {
  return db.selectFrom('bisync_pair').selectAll().where('pair_id', '=', pairId).executeTakeFirst();
}

/** Reads every baseline row of the pair (one page of 5,000 at a time). */
export async function loadBaseline(db: BisyncKysely, pairId: string): Promise<Map<string, Baseline>> {
  const out = new Map<string, Baseline>();
  let after = '';
  for (;;) {
    const rows = await db.selectFrom('bisync_entry').selectAll().where('pair_id', '=', pairId).where('path', '>', after).orderBy('path').limit(5000).execute();
    for (const r of rows) out.set(r.path, fromRow(r));
    const last = rows[rows.length - 1];
    if (last === undefined || rows.length < 5000) return out;
    after = last.path;
  }
}

function fromRow(r: BisyncEntryTable): Baseline {
  return {
    path: r.path, kind: r.kind, md5: r.content_md5,
    s1: { size: r.p1_size, mtimeMs: r.p1_mtime_ms, version: r.p1_version },
    s2: { size: r.p2_size, mtimeMs: r.p2_mtime_ms, version: r.p2_version },
  };
}

function toRow(pairId: string, runId: string, b: Baseline): BisyncEntryTable {
  return {
    pair_id: pairId, path: b.path, kind: b.kind, content_md5: b.md5, synced_run: runId,
    p1_size: b.s1.size, p1_mtime_ms: b.s1.mtimeMs, p1_version: b.s1.version,
    p2_size: b.s2.size, p2_mtime_ms: b.s2.mtimeMs, p2_version: b.s2.version,
  };
}

/** Inserts or replaces baseline rows inside a (fenced) transaction. */
export async function putBaseline(trx: Transaction<BisyncTables>, pairId: string, runId: string, rows: readonly Baseline[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 200) {
    const values = rows.slice(i, i + 200).map((b) => toRow(pairId, runId, b));
    await trx.insertInto('bisync_entry').values(values).onConflict((oc) => oc.columns(['pair_id', 'path']).doUpdateSet((eb) => ({
      kind: eb.ref('excluded.kind'), content_md5: eb.ref('excluded.content_md5'), synced_run: eb.ref('excluded.synced_run'),
      p1_size: eb.ref('excluded.p1_size'), p1_mtime_ms: eb.ref('excluded.p1_mtime_ms'), p1_version: eb.ref('excluded.p1_version'),
      p2_size: eb.ref('excluded.p2_size'), p2_mtime_ms: eb.ref('excluded.p2_mtime_ms'), p2_version: eb.ref('excluded.p2_version'),
    }))).execute();
  }
}

export async function dropBaseline(trx: Transaction<BisyncTables>, pairId: string, paths: readonly string[]): Promise<void> {
  for (let i = 0; i < paths.length; i += 200) {
    await trx.deleteFrom('bisync_entry').where('pair_id', '=', pairId).where('path', 'in', paths.slice(i, i + 200)).execute();
  }
}

/** Writes the pair row (resync: status ok with the current compare and filters). */
export async function savePair(trx: Transaction<BisyncTables>, row: BisyncPairTable): Promise<void> {
  await trx.insertInto('bisync_pair').values(row).onConflict((oc) => oc.column('pair_id').doUpdateSet({
    path1_uri: row.path1_uri, path2_uri: row.path2_uri, compare: row.compare, filters_hash: row.filters_hash,
    status: row.status, lockout_reason: row.lockout_reason, last_run: row.last_run,
  })).execute();
}
