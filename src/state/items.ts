import { createHash } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { JobDb } from './db.js';
import type { ItemAction, ItemKind, ItemState, ItemsTable, JobDatabase } from './schema.js';

export type ItemRow = Selectable<ItemsTable>;
export type ItemPatch = Omit<Updateable<ItemsTable>, 'id' | 'job_id' | 'dataset' | 'rel_path' | 'path_hash'>;

/** One scanned path to record. */
export interface NewItem {
  dataset: string;
  relPath: string;
  kind: ItemKind;
  action: ItemAction;
  state: ItemState;
  size: number;
  mtimeMs: number;
  etag?: string | undefined;
  skipReason?: string | undefined;
  seenRun: number;
  /** Times the destination holds the job's copy (default 0). */
  copies?: number;
}

/** Rows per INSERT statement: 20 columns x 1000 rows stays under SQLite's 32766 and PostgreSQL's 65535 parameters. */
export const INSERT_BATCH = 1000;

/** Paths of up to this many UTF-16 code units are their own key (see pathKey). */
export const PATH_KEY_MAX = 128;

/**
 * The unique key of an item within a data set (column `path_hash`): the relative path itself when it
 * has at most PATH_KEY_MAX code units, else its first PATH_KEY_MAX code units (one less rather than
 * split a surrogate pair), a newline and the hex SHA-1 of the whole path. Short keys have at most
 * PATH_KEY_MAX units and long ones at least PATH_KEY_MAX + 40, so two paths share a key only if they
 * are equal or their SHA-1s collide, and every key stays under ~430 UTF-8 bytes (PostgreSQL's btree
 * limit is ~2,700). Unlike a bare hash, keys of paths scanned in walk order land next to each other in
 * the index, so a scan appends to a few index pages instead of touching pages all over the file.
 */
export function pathKey(relPath: string): string {
  if (relPath.length <= PATH_KEY_MAX) return relPath;
  const last = relPath.charCodeAt(PATH_KEY_MAX - 1);
  const cut = last >= 0xd800 && last <= 0xdbff ? PATH_KEY_MAX - 1 : PATH_KEY_MAX;
  return `${relPath.slice(0, cut)}\n${createHash('sha1').update(relPath).digest('hex')}`;
}

/**
 * True when `path_hash` was written before pathKey (then every key was the hex SHA-1 of the path).
 * Keys are all written by one rule, so one row tells.
 */
export async function hasOutdatedPathKeys(db: Kysely<JobDatabase>): Promise<boolean> {
  const sample = await db.selectFrom('items').select(['rel_path', 'path_hash']).limit(1).executeTakeFirst();
  return sample !== undefined && sample.path_hash !== pathKey(sample.rel_path);
}

/**
 * Rewrites every item's `path_hash` with pathKey, in one transaction, so lookups of earlier runs'
 * items keep finding them after an upgrade. Call only while the unique index on the key is absent
 * (a path's new key may equal another path's old SHA-1). Returns the number of rows rewritten.
 */
export async function rekeyItemPaths(db: Kysely<JobDatabase>): Promise<number> {
  let rewritten = 0;
  await db.transaction().execute(async (trx) => {
    for (let after = -1; ;) {
      const rows = await trx.selectFrom('items').select(['id', 'rel_path']).where('id', '>', after).orderBy('id').limit(INSERT_BATCH).execute();
      const last = rows[rows.length - 1];
      if (last === undefined) break;
      for (const r of rows) await trx.updateTable('items').set({ path_hash: pathKey(r.rel_path) }).where('id', '=', r.id).execute();
      rewritten += rows.length;
      after = last.id;
    }
  });
  return rewritten;
}

/**
 * Inserts items in one transaction, as multi-row INSERTs of up to INSERT_BATCH rows. Paths already
 * recorded for the job and data set are left untouched (idempotent). Returns the number inserted
 * attempts (rows given).
 */
export async function insertItems(jobDb: JobDb, jobId: string, items: readonly NewItem[], now: number = Date.now()): Promise<number> {
  if (items.length === 0) return 0;
  if (jobDb.sqlite !== undefined) {
    insertItemsSqlite(jobDb.sqlite, jobId, items, now);
    return items.length;
  }
  await jobDb.db.transaction().execute(async (trx) => {
    for (let i = 0; i < items.length; i += INSERT_BATCH) {
      const rows: Insertable<ItemsTable>[] = items.slice(i, i + INSERT_BATCH).map((it) => ({
        job_id: jobId,
        dataset: it.dataset,
        rel_path: it.relPath,
        path_hash: pathKey(it.relPath),
        kind: it.kind,
        action: it.action,
        state: it.state,
        attempts: 0,
        last_error: null,
        size: it.size,
        mtime_ms: it.mtimeMs,
        source_etag: it.etag ?? null,
        md5: null,
        committed_offset: 0,
        skip_reason: it.skipReason ?? null,
        seen_run: it.seenRun,
        copies: it.copies ?? 0,
        created_at: now,
        updated_at: now,
      }));
      await trx.insertInto('items').values(rows).onConflict((oc) => oc.columns(['job_id', 'dataset', 'path_hash']).doNothing()).execute();
    }
  });
  return items.length;
}

/**
 * Columns of the SQLite insert and their value per row: `@job` and `@now` are bound once per statement,
 * the columns every new item starts with are literals, and `?` is bound per row (see insertItemsSqlite).
 */
const INSERT_COLUMNS: readonly (readonly [string, string])[] = [
  ['job_id', '@job'], ['dataset', '?'], ['rel_path', '?'], ['path_hash', '?'], ['kind', '?'], ['action', '?'], ['state', '?'],
  ['attempts', '0'], ['last_error', 'NULL'], ['size', '?'], ['mtime_ms', '?'], ['source_etag', '?'], ['md5', 'NULL'],
  ['committed_offset', '0'], ['skip_reason', '?'], ['seen_run', '?'], ['copies', '?'], ['created_at', '@now'], ['updated_at', '@now'],
];
const SQLITE_ROWS_PER_STATEMENT = 100;
const statements = new WeakMap<BetterSqlite3.Database, Map<number, BetterSqlite3.Statement>>();

function insertStatement(sqlite: BetterSqlite3.Database, rows: number): BetterSqlite3.Statement {
  let cache = statements.get(sqlite);
  if (cache === undefined) {
    cache = new Map();
    statements.set(sqlite, cache);
  }
  let stmt = cache.get(rows);
  if (stmt === undefined) {
    const tuple = `(${INSERT_COLUMNS.map(([, value]) => value).join(',')})`;
    stmt = sqlite.prepare(`INSERT INTO items (${INSERT_COLUMNS.map(([column]) => column).join(',')}) VALUES ${Array.from({ length: rows }, () => tuple).join(',')} ON CONFLICT (job_id, dataset, path_hash) DO NOTHING`);
    cache.set(rows, stmt);
  }
  return stmt;
}

/**
 * SQLite fast path of insertItems: the same rows and conflict rule as the kysely query, through cached
 * prepared multi-row statements (the scan of a million entries is dominated by statement compilation
 * otherwise). Runs inside the caller's transaction if one is open, else in its own.
 */
function insertItemsSqlite(sqlite: BetterSqlite3.Database, jobId: string, items: readonly NewItem[], now: number): void {
  const shared = { job: jobId, now };
  const run = (): void => {
    for (let i = 0; i < items.length; i += SQLITE_ROWS_PER_STATEMENT) {
      const end = Math.min(items.length, i + SQLITE_ROWS_PER_STATEMENT);
      const params: (string | number | null)[] = [];
      for (let j = i; j < end; j++) {
        const it = items[j] as NewItem;
        // The '?' columns of INSERT_COLUMNS, in order.
        params.push(it.dataset, it.relPath, pathKey(it.relPath), it.kind, it.action, it.state, it.size, it.mtimeMs,
          it.etag ?? null, it.skipReason ?? null, it.seenRun, it.copies ?? 0);
      }
      insertStatement(sqlite, end - i).run(params, shared);
    }
  };
  if (sqlite.inTransaction) run();
  else sqlite.transaction(run)();
}

/** The recorded items for some paths of one data set, keyed by relative path. */
export async function findItems(jobDb: JobDb, jobId: string, dataset: string, relPaths: readonly string[]): Promise<Map<string, ItemRow>> {
  const out = new Map<string, ItemRow>();
  for (let i = 0; i < relPaths.length; i += INSERT_BATCH) {
    const keys = relPaths.slice(i, i + INSERT_BATCH).map(pathKey);
    if (keys.length === 0) continue;
    const rows = await jobDb.db.selectFrom('items').selectAll()
      .where('job_id', '=', jobId).where('dataset', '=', dataset).where('path_hash', 'in', keys).execute();
    for (const r of rows) out.set(r.rel_path, r);
  }
  return out;
}

/** Columns an item update may set through the SQLite fast path. */
const UPDATABLE = new Set<string>(['kind', 'action', 'state', 'attempts', 'last_error', 'size', 'mtime_ms', 'source_etag', 'md5',
  'committed_offset', 'skip_reason', 'seen_run', 'copies', 'created_at']);
const updateStatements = new WeakMap<BetterSqlite3.Database, Map<string, BetterSqlite3.Statement>>();

/** True when updateItemSqlite can write the patch (plain values of known columns). */
function plainPatch(patch: ItemPatch): boolean {
  return Object.entries(patch).every(([column, value]) => value === undefined || (UPDATABLE.has(column) && (value === null || typeof value === 'string' || typeof value === 'number')));
}

/**
 * SQLite fast path of updateItem: one cached prepared statement per set of columns (a worker updates
 * each file several times; compiling a query each time costs more than running it). Only outside a
 * transaction (see updateItem). Returns false
 * when the patch holds something other than plain values of known columns (the caller uses kysely).
 */
function updateItemSqlite(sqlite: BetterSqlite3.Database, id: number, patch: ItemPatch, now: number): boolean {
  const columns: string[] = [];
  const params: (string | number | null)[] = [];
  for (const [column, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (!UPDATABLE.has(column) || !(value === null || typeof value === 'string' || typeof value === 'number')) return false;
    columns.push(column);
    params.push(value);
  }
  let cache = updateStatements.get(sqlite);
  if (cache === undefined) {
    cache = new Map();
    updateStatements.set(sqlite, cache);
  }
  const key = columns.join(',');
  let stmt = cache.get(key);
  if (stmt === undefined) {
    stmt = sqlite.prepare(`UPDATE items SET ${[...columns, 'updated_at'].map((c) => `${c} = ?`).join(', ')} WHERE id = ?`);
    cache.set(key, stmt);
  }
  stmt.run(...params, now, id);
  return true;
}

/** Updates one item (updated_at is set). */
export async function updateItem(jobDb: JobDb, id: number, patch: ItemPatch, now: number = Date.now()): Promise<void> {
  // While a kysely transaction is open on the connection, queue behind it like any kysely query.
  if (jobDb.sqlite !== undefined && !jobDb.sqlite.inTransaction && updateItemSqlite(jobDb.sqlite, id, patch, now)) return;
  await jobDb.db.updateTable('items').set({ ...patch, updated_at: now }).where('id', '=', id).execute();
}

/**
 * Applies updates to many items in one transaction. With `ifState`, an update applies only while the
 * item is still in that state (optimistic concurrency: a worker may have moved it meanwhile).
 */
export async function updateItemsEach(jobDb: JobDb, updates: readonly { id: number; patch: ItemPatch; ifState?: ItemState }[], now: number = Date.now()): Promise<void> {
  if (updates.length === 0) return;
  const sqlite = jobDb.sqlite;
  if (sqlite !== undefined && !sqlite.inTransaction && updates.every((u) => u.ifState === undefined && plainPatch(u.patch))) {
    sqlite.transaction(() => {
      for (const u of updates) updateItemSqlite(sqlite, u.id, u.patch, now);
    })();
    return;
  }
  await jobDb.db.transaction().execute(async (trx) => {
    for (const u of updates) {
      let q = trx.updateTable('items').set({ ...u.patch, updated_at: now }).where('id', '=', u.id);
      if (u.ifState !== undefined) q = q.where('state', '=', u.ifState);
      await q.execute();
    }
  });
}

/** Applies the same patch to many items. */
export async function updateItems(jobDb: JobDb, ids: readonly number[], patch: ItemPatch, now: number = Date.now()): Promise<void> {
  for (let i = 0; i < ids.length; i += INSERT_BATCH) {
    const chunk = ids.slice(i, i + INSERT_BATCH);
    if (chunk.length > 0) await jobDb.db.updateTable('items').set({ ...patch, updated_at: now }).where('id', 'in', chunk).execute();
  }
}

/**
 * Forgets items whose destination delete completed (state verified, action none): the path is gone
 * from both sides, so the row is a tombstone no later scan looks up, and keeping it would grow the job
 * database with every file a long-running `--every` job sees come and go. Rows whose delete failed stay.
 */
export async function forgetDeletedItems(jobDb: JobDb, ids: readonly number[]): Promise<void> {
  for (let i = 0; i < ids.length; i += INSERT_BATCH) {
    const chunk = ids.slice(i, i + INSERT_BATCH);
    if (chunk.length > 0) await jobDb.db.deleteFrom('items').where('id', 'in', chunk).where('state', '=', 'verified').where('action', '=', 'none').execute();
  }
}

export interface ListItemsQuery {
  states?: readonly ItemState[];
  kind?: ItemKind;
  actions?: readonly ItemAction[];
  dataset?: string;
  /** Only ids greater than this (keyset paging). */
  afterId?: number;
  /** Only ids lower than this, in descending order (keyset paging backwards). */
  beforeId?: number;
  /** Only items not seen by this run. */
  notSeenRun?: number;
  limit: number;
}

/** Items of a job in id (scan) order, or descending when beforeId is given. */
export async function listItems(jobDb: JobDb, jobId: string, q: ListItemsQuery): Promise<ItemRow[]> {
  let query = jobDb.db.selectFrom('items').selectAll().where('job_id', '=', jobId);
  if (q.states !== undefined && q.states.length > 0) query = query.where('state', 'in', [...q.states]);
  if (q.actions !== undefined && q.actions.length > 0) query = query.where('action', 'in', [...q.actions]);
  if (q.kind !== undefined) query = query.where('kind', '=', q.kind);
  if (q.dataset !== undefined) query = query.where('dataset', '=', q.dataset);
  if (q.notSeenRun !== undefined) query = query.where('seen_run', '<>', q.notSeenRun);
  if (q.beforeId !== undefined) return query.where('id', '<', q.beforeId).orderBy('id', 'desc').limit(q.limit).execute();
  if (q.afterId !== undefined) query = query.where('id', '>', q.afterId);
  return query.orderBy('id', 'asc').limit(q.limit).execute();
}

export interface ItemCount {
  kind: ItemKind;
  state: ItemState;
  count: number;
  bytes: number;
}

/** Counts and bytes per kind and state. */
export async function countItems(jobDb: JobDb, jobId: string): Promise<ItemCount[]> {
  const rows = await jobDb.db.selectFrom('items')
    .select((eb) => ['kind', 'state', eb.fn.countAll<number>().as('count'), eb.fn.sum<number>('size').as('bytes')])
    .where('job_id', '=', jobId).groupBy(['kind', 'state']).execute();
  return rows.map((r) => ({ kind: r.kind, state: r.state, count: Number(r.count), bytes: Number(r.bytes ?? 0) }));
}

/** Moves items left in `copying` by a killed run back to `pending`; returns them (they are re-checked). */
export async function resetInterruptedItems(jobDb: JobDb, jobId: string): Promise<ItemRow[]> {
  const rows = await jobDb.db.selectFrom('items').selectAll().where('job_id', '=', jobId).where('state', '=', 'copying').execute();
  await updateItems(jobDb, rows.map((r) => r.id), { state: 'pending' });
  return rows;
}
