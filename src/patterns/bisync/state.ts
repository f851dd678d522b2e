import { createHash } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { Entry } from '../../core/entry.js';
import { pathKey } from '../../state/items.js';
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

/** Rows per lookup or page: 1,000 keys stay under SQLite's and PostgreSQL's parameter limits. */
const PAGE = 1000;

/**
 * The pair's baseline as the run reads it: rows looked up by path as the listing reaches them (one page
 * at a time), so memory never holds the whole baseline. Reads only; writes go through putBaseline and
 * dropBaseline inside fenced transactions.
 */
export interface BaselineReader {
  /** The rows of these paths that exist (any number of paths; looked up a page at a time). */
  lookup(paths: readonly string[]): Promise<Map<string, Baseline>>;
  get(path: string): Promise<Baseline | undefined>;
  /** Rows and file rows of the pair. */
  count(): Promise<{ rows: number; files: number }>;
  /** Rows strictly under `dir` ('' = every row), e.g. a directory rename's members. */
  under(dir: string): Promise<Baseline[]>;
  /** Files strictly under `dir`. */
  filesUnder(dir: string): Promise<number>;
}

export function baselineReader(db: BisyncKysely, pairId: string): BaselineReader {
  // substr/length count characters on both SQLite and PostgreSQL, so a prefix test needs no LIKE escaping.
  const prefixed = (dir: string) => sql<boolean>`substr(path, 1, length(${`${dir}/`})) = ${`${dir}/`}`;
  return {
    async lookup(paths) {
      const out = new Map<string, Baseline>();
      for (let i = 0; i < paths.length; i += PAGE) {
        const keys = paths.slice(i, i + PAGE).map(pathKey);
        const rows = await db.selectFrom('bisync_entry').selectAll().where('pair_id', '=', pairId).where('path_key', 'in', keys).execute();
        for (const r of rows) out.set(r.path, fromRow(r));
      }
      return out;
    },
    async get(path) {
      const r = await db.selectFrom('bisync_entry').selectAll().where('pair_id', '=', pairId).where('path_key', '=', pathKey(path)).executeTakeFirst();
      return r === undefined || r.path !== path ? undefined : fromRow(r);
    },
    async count() {
      const r = await db.selectFrom('bisync_entry').where('pair_id', '=', pairId)
        .select((eb) => [eb.fn.countAll<number>().as('rows'), eb.fn.sum<number>(eb.case().when('kind', '=', 'file').then(1).else(0).end()).as('files')])
        .executeTakeFirst();
      return { rows: Number(r?.rows ?? 0), files: Number(r?.files ?? 0) };
    },
    async under(dir) {
      let q = db.selectFrom('bisync_entry').selectAll().where('pair_id', '=', pairId);
      if (dir !== '') q = q.where(prefixed(dir));
      return (await q.execute()).map(fromRow);
    },
    async filesUnder(dir) {
      let q = db.selectFrom('bisync_entry').where('pair_id', '=', pairId).where('kind', '=', 'file');
      if (dir !== '') q = q.where(prefixed(dir));
      const r = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
      return Number(r?.n ?? 0);
    },
  };
}

/**
 * The per-run record of which baseline rows the listing met (bisync_seen), and the rows it did not
 * meet: paths gone from both sides. Rows are keyed by run, so a dry run beside a real run is harmless.
 */
export interface SeenRows {
  add(paths: readonly string[]): Promise<void>;
  /** Baseline rows not added, a page at a time. */
  missing(): AsyncIterable<Baseline[]>;
  /** Removes this run's rows (idempotent). */
  clear(): Promise<void>;
}

/** Scratch rows older than this belong to a run that was killed; the next run on the pair removes them. */
const SEEN_STALE_MS = 6 * 3600_000;

export async function seenRows(db: BisyncKysely, pairId: string, runId: string, now: number): Promise<SeenRows> {
  await db.deleteFrom('bisync_seen').where('pair_id', '=', pairId).where('created_at', '<', now - SEEN_STALE_MS).execute();
  return {
    async add(paths) {
      for (let i = 0; i < paths.length; i += PAGE) {
        const values = paths.slice(i, i + PAGE).map((p) => ({ run_id: runId, pair_id: pairId, path_key: pathKey(p), created_at: now }));
        if (values.length > 0) await db.insertInto('bisync_seen').values(values).onConflict((oc) => oc.columns(['run_id', 'path_key']).doNothing()).execute();
      }
    },
    async *missing() {
      let after = '';
      for (;;) {
        const rows = await db.selectFrom('bisync_entry as e').selectAll('e').where('e.pair_id', '=', pairId).where('e.path_key', '>', after)
          .where(({ not, exists, selectFrom }) => not(exists(selectFrom('bisync_seen as s').select('s.path_key').where('s.run_id', '=', runId).whereRef('s.path_key', '=', 'e.path_key'))))
          .orderBy('e.path_key').limit(PAGE).execute();
        if (rows.length > 0) yield rows.map(fromRow);
        const last = rows[rows.length - 1];
        if (last === undefined || rows.length < PAGE) return;
        after = last.path_key;
      }
    },
    async clear() {
      await db.deleteFrom('bisync_seen').where('run_id', '=', runId).execute();
    },
  };
}

/** Every baseline row of the pair (tests and dumps; a run reads rows through baselineReader). */
export async function loadBaseline(db: BisyncKysely, pairId: string): Promise<Map<string, Baseline>> {
  const out = new Map<string, Baseline>();
  for (const b of await baselineReader(db, pairId).under('')) out.set(b.path, b);
  return out;
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
    pair_id: pairId, path_key: pathKey(b.path), path: b.path, kind: b.kind, content_md5: b.md5, synced_run: runId,
    p1_size: b.s1.size, p1_mtime_ms: b.s1.mtimeMs, p1_version: b.s1.version,
    p2_size: b.s2.size, p2_mtime_ms: b.s2.mtimeMs, p2_version: b.s2.version,
  };
}

/** Inserts or replaces baseline rows inside a (fenced) transaction. */
export async function putBaseline(trx: Transaction<BisyncTables>, pairId: string, runId: string, rows: readonly Baseline[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 200) {
    const values = rows.slice(i, i + 200).map((b) => toRow(pairId, runId, b));
    await trx.insertInto('bisync_entry').values(values).onConflict((oc) => oc.columns(['pair_id', 'path_key']).doUpdateSet((eb) => ({
      path: eb.ref('excluded.path'), kind: eb.ref('excluded.kind'), content_md5: eb.ref('excluded.content_md5'), synced_run: eb.ref('excluded.synced_run'),
      p1_size: eb.ref('excluded.p1_size'), p1_mtime_ms: eb.ref('excluded.p1_mtime_ms'), p1_version: eb.ref('excluded.p1_version'),
      p2_size: eb.ref('excluded.p2_size'), p2_mtime_ms: eb.ref('excluded.p2_mtime_ms'), p2_version: eb.ref('excluded.p2_version'),
    }))).execute();
  }
}

export async function dropBaseline(trx: Transaction<BisyncTables>, pairId: string, paths: readonly string[]): Promise<void> {
  for (let i = 0; i < paths.length; i += 200) {
    await trx.deleteFrom('bisync_entry').where('pair_id', '=', pairId).where('path_key', 'in', paths.slice(i, i + 200).map(pathKey)).execute();
  }
}

/** Writes the pair row (resync: status ok with the current compare and filters). */
export async function savePair(trx: Transaction<BisyncTables>, row: BisyncPairTable): Promise<void> {
  await trx.insertInto('bisync_pair').values(row).onConflict((oc) => oc.column('pair_id').doUpdateSet({
    path1_uri: row.path1_uri, path2_uri: row.path2_uri, compare: row.compare, filters_hash: row.filters_hash,
    status: row.status, lockout_reason: row.lockout_reason, last_run: row.last_run,
  })).execute();
}
