import type { Generated, Kysely } from 'kysely';
import type { JobDb } from '../../state/db.js';

/**
 * The cutover tables of the job database (freezes, the mode and ACL each freeze changed, cutover
 * events). They live beside the migration tables in the same SQLite file or PostgreSQL schema and are
 * created when missing by `cutoverDb`, so src/state stays as it is. Times are ms since the epoch.
 */

export type FreezeState = 'freezing' | 'frozen' | 'unfreezing' | 'unfrozen';
/** recorded: written before the change; applied: the change was made; restored: unfreeze put it back. */
export type FreezePathState = 'recorded' | 'applied' | 'restored';
/** How the change is made and undone: setPermissions for a base-only access ACL, setAcl otherwise. */
export type FreezeMethod = 'mode' | 'acl';

export interface CutoverFreezesTable {
  id: string;
  /** The frozen store's display URI (no secrets): the key final-sync and decommission-check look up. */
  store: string;
  state: FreezeState;
  started_at: number;
  finished_at: number | null;
  updated_at: number;
  paths_seen: number;
  paths_changed: number;
}

export interface CutoverFreezePathsTable {
  id: Generated<number>;
  freeze_id: string;
  /** Store-relative path ('' = the frozen root). */
  path: string;
  /** pathKey(path): a unique key that stays short for any path length. */
  path_key: string;
  kind: 'file' | 'directory';
  method: FreezeMethod;
  /** 12-bit mode and the full ACL spec (access and default entries) before and after the freeze. */
  before_mode: number;
  before_acl: string;
  after_mode: number;
  after_acl: string;
  state: FreezePathState;
  updated_at: number;
}

export type CutoverEventKind = 'freeze' | 'unfreeze' | 'final-sync' | 'decommission-check';

export interface CutoverEventsTable {
  id: Generated<number>;
  kind: CutoverEventKind;
  /** Display URIs (no secrets); dest is '' where there is none. */
  source: string;
  dest: string;
  at: number;
  ok: number;
  /** JSON: what the event found (counts, times, validation result). */
  details: string;
}

// A type alias (not an interface): Kysely's withTables needs an index-signature-compatible shape.
export type CutoverTables = {
  cutover_freezes: CutoverFreezesTable;
  cutover_freeze_paths: CutoverFreezePathsTable;
  cutover_events: CutoverEventsTable;
};

export type CutoverDb = Kysely<CutoverTables>;

const ensured = new WeakSet<object>();

/**
 * The job database seen with the cutover tables, which are created (with their indexes) when missing.
 * Idempotent; runs the DDL once per open database.
 */
export async function cutoverDb(jobDb: JobDb): Promise<CutoverDb> {
  const db = jobDb.db.withTables<CutoverTables>() as unknown as CutoverDb;
  if (ensured.has(jobDb.db)) return db;
  const postgres = jobDb.dialect === 'postgres';
  const serial = postgres ? 'bigserial' : 'integer';
  const idColumn = <T extends { primaryKey(): T; autoIncrement(): T }>(c: T): T => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement());
  await db.schema
    .createTable('cutover_freezes').ifNotExists()
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('store', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('paths_seen', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('paths_changed', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('cutover_freezes_store').ifNotExists().on('cutover_freezes').columns(['store', 'started_at']).execute();
  await db.schema
    .createTable('cutover_freeze_paths').ifNotExists()
    .addColumn('id', serial, idColumn)
    .addColumn('freeze_id', 'text', (c) => c.notNull().references('cutover_freezes.id').onDelete('cascade'))
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('path_key', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('before_mode', 'integer', (c) => c.notNull())
    .addColumn('before_acl', 'text', (c) => c.notNull())
    .addColumn('after_mode', 'integer', (c) => c.notNull())
    .addColumn('after_acl', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('cutover_freeze_paths_key').ifNotExists().on('cutover_freeze_paths').columns(['freeze_id', 'path_key']).unique().execute();
  await db.schema
    .createTable('cutover_events').ifNotExists()
    .addColumn('id', serial, idColumn)
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('dest', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('ok', 'integer', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('cutover_events_lookup').ifNotExists().on('cutover_events').columns(['kind', 'source', 'dest', 'at']).execute();
  ensured.add(jobDb.db);
  return db;
}
