import { sql, type Kysely } from 'kysely';
import type { JobDb } from '../../state/db.js';
import { pathKey } from '../../state/items.js';

/**
 * The bisync tables of the job database (created if missing, same DDL on SQLite and PostgreSQL).
 * Times are ms since the epoch; sizes bytes. Paths are relative to each side's root.
 */

export interface BisyncPairTable {
  pair_id: string;
  path1_uri: string;
  path2_uri: string;
  /** Compare keys, comma-separated. */
  compare: string;
  /** SHA-1 of the include/exclude globs. */
  filters_hash: string;
  status: 'ok' | 'needs_resync';
  lockout_reason: string | null;
  created_at: number;
  last_run: string | null;
}

export interface BisyncLeaseTable {
  pair_id: string;
  owner: string;
  token: string;
  acquired_at: number;
  renewed_at: number;
  expires_at: number;
}

/** One path's state at the last agreement: what each side had then. */
export interface BisyncEntryTable {
  pair_id: string;
  /**
   * The row's key: pathKey(path) (src/state/items.ts), the path itself up to 128 code units, else a
   * prefix and its SHA-1, so the index stays under PostgreSQL's btree limit (~2,700 bytes) for any path.
   */
  path_key: string;
  /** The full path, compared after a lookup by key. */
  path: string;
  kind: 'file' | 'dir';
  p1_size: number;
  p1_mtime_ms: number;
  p1_version: string | null;
  p2_size: number;
  p2_mtime_ms: number;
  p2_version: string | null;
  /** Base64 MD5 of the agreed content, when known (computed while copying). */
  content_md5: string | null;
  synced_run: string;
}

export interface BisyncRunTable {
  run_id: string;
  pair_id: string;
  mode: string;
  started_at: number;
  finished_at: number | null;
  outcome: string | null;
  counts_json: string | null;
  guard: string | null;
}

export interface BisyncConflictTable {
  run_id: string;
  pair_id: string;
  path: string;
  policy: string;
  winner: string | null;
  loser_path: string | null;
  detail_json: string;
  created_at: number;
}

/**
 * Scratch rows of one run: the keys of the baseline rows its listing met, so that the rows neither side
 * listed (gone from both) are found with one anti-join instead of a set held in memory. Removed when
 * the run ends; rows of runs killed before that are removed by the next run on the pair.
 */
export interface BisyncSeenTable {
  run_id: string;
  pair_id: string;
  path_key: string;
  created_at: number;
}

export interface BisyncTables {
  bisync_seen: BisyncSeenTable;
  bisync_pair: BisyncPairTable;
  bisync_lease: BisyncLeaseTable;
  bisync_entry: BisyncEntryTable;
  bisync_run: BisyncRunTable;
  bisync_conflict: BisyncConflictTable;
}

export type BisyncKysely = Kysely<BisyncTables>;

const ready = new WeakSet<object>();

/** The job database typed with the bisync tables, which are created on first use (idempotent). */
export async function bisyncDb(jobDb: JobDb): Promise<BisyncKysely> {
  // The same connection, typed with the bisync tables (which live outside src/state/schema.ts).
  const db = jobDb.db as unknown as BisyncKysely;
  if (ready.has(jobDb.db)) return db;
  await db.schema
    .createTable('bisync_pair').ifNotExists()
    .addColumn('pair_id', 'text', (c) => c.primaryKey())
    .addColumn('path1_uri', 'text', (c) => c.notNull())
    .addColumn('path2_uri', 'text', (c) => c.notNull())
    .addColumn('compare', 'text', (c) => c.notNull())
    .addColumn('filters_hash', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('lockout_reason', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_run', 'text')
    .execute();
  await db.schema
    .createTable('bisync_lease').ifNotExists()
    .addColumn('pair_id', 'text', (c) => c.primaryKey())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('token', 'text', (c) => c.notNull())
    .addColumn('acquired_at', 'bigint', (c) => c.notNull())
    .addColumn('renewed_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('bisync_entry').ifNotExists()
    .addColumn('pair_id', 'text', (c) => c.notNull())
    .addColumn('path_key', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('p1_size', 'bigint', (c) => c.notNull())
    .addColumn('p1_mtime_ms', 'bigint', (c) => c.notNull())
    .addColumn('p1_version', 'text')
    .addColumn('p2_size', 'bigint', (c) => c.notNull())
    .addColumn('p2_mtime_ms', 'bigint', (c) => c.notNull())
    .addColumn('p2_version', 'text')
    .addColumn('content_md5', 'text')
    .addColumn('synced_run', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('bisync_entry_pk', ['pair_id', 'path_key'])
    .execute();
  await keyBaselineRows(db, jobDb.dialect);
  await db.schema
    .createTable('bisync_seen').ifNotExists()
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('pair_id', 'text', (c) => c.notNull())
    .addColumn('path_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('bisync_seen_pk', ['run_id', 'path_key'])
    .execute();
  await db.schema.createIndex('bisync_seen_pair').ifNotExists().on('bisync_seen').columns(['pair_id', 'created_at']).execute();
  await db.schema
    .createTable('bisync_run').ifNotExists()
    .addColumn('run_id', 'text', (c) => c.primaryKey())
    .addColumn('pair_id', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .addColumn('outcome', 'text')
    .addColumn('counts_json', 'text')
    .addColumn('guard', 'text')
    .execute();
  await db.schema
    .createTable('bisync_conflict').ifNotExists()
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('pair_id', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('policy', 'text', (c) => c.notNull())
    .addColumn('winner', 'text')
    .addColumn('loser_path', 'text')
    .addColumn('detail_json', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('bisync_conflict_pair').ifNotExists().on('bisync_conflict').columns(['pair_id', 'run_id']).execute();
  ready.add(jobDb.db);
  return db;
}

/**
 * Brings a bisync_entry table made before path_key (primary key on the path itself) up to date: adds
 * the column, fills it, makes (pair_id, path_key) unique and, on PostgreSQL, drops the old primary key
 * (its btree refused paths over ~2,700 bytes). SQLite keeps the old key as a redundant index (it has no
 * such limit and cannot drop a primary key). Idempotent.
 */
async function keyBaselineRows(db: BisyncKysely, dialect: JobDb['dialect']): Promise<void> {
  const columns = dialect === 'postgres'
    ? await sql<{ name: string }>`SELECT column_name AS name FROM information_schema.columns WHERE table_name = 'bisync_entry' AND table_schema = current_schema()`.execute(db)
    : await sql<{ name: string }>`SELECT name FROM pragma_table_info('bisync_entry')`.execute(db);
  if (columns.rows.some((c) => c.name === 'path_key')) return;
  await db.transaction().execute(async (trx) => {
    await sql`ALTER TABLE bisync_entry ADD COLUMN path_key text`.execute(trx);
    for (;;) {
      const rows = await trx.selectFrom('bisync_entry').select(['pair_id', 'path']).where('path_key', 'is', null).limit(1000).execute();
      if (rows.length === 0) break;
      for (const r of rows) await trx.updateTable('bisync_entry').set({ path_key: pathKey(r.path) }).where('pair_id', '=', r.pair_id).where('path', '=', r.path).execute();
    }
    if (dialect === 'postgres') {
      await sql`ALTER TABLE bisync_entry DROP CONSTRAINT IF EXISTS bisync_entry_pk`.execute(trx);
      await sql`ALTER TABLE bisync_entry ALTER COLUMN path_key SET NOT NULL`.execute(trx);
    }
    await trx.schema.createIndex('bisync_entry_key').ifNotExists().on('bisync_entry').columns(['pair_id', 'path_key']).unique().execute();
  });
}
