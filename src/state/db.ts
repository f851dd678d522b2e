import { mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { StorageError } from '../core/errors.js';
import { hasOutdatedPathKeys, rekeyItemPaths } from './items.js';
import type { JobDatabase } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

/** An open job database. Close it when done (idempotent). */
export interface JobDb {
  readonly db: Kysely<JobDatabase>;
  readonly dialect: DialectName;
  /** Where the data lives, for display (no passwords). */
  readonly location: string;
  /** The raw SQLite handle (SQLite only): bulk inserts use cached prepared statements on it. */
  readonly sqlite?: BetterSqlite3.Database;
  close(): Promise<void>;
}

/**
 * Resolves the state directory: the explicit value, else LAKESHIFT_STATE_DIR, else `.lakeshift/` in
 * the current directory. Creates nothing. Throws StorageError('invalid-argument') when the path
 * exists and is not a directory, so that a mistyped --state-dir fails before any work.
 */
export function resolveStateDir(explicit?: string, cwd: string = process.cwd()): string {
  const env = process.env['LAKESHIFT_STATE_DIR'];
  const dir = resolve(cwd, explicit ?? (env !== undefined && env !== '' ? env : '.lakeshift'));
  const kind = statSync(dir, { throwIfNoEntry: false });
  if (kind !== undefined && !kind.isDirectory()) {
    throw new StorageError('invalid-argument', `The state directory '${dir}' is not a directory: point --state-dir (or LAKESHIFT_STATE_DIR) at a directory for the job database.`);
  }
  return dir;
}

/**
 * Opens (creating if needed) the SQLite job database `jobs.db` in `stateDir`, in WAL mode, and
 * brings its schema up to date. Throws StorageError('invalid-argument') when the directory cannot be
 * created or the file cannot be opened; with `mustExist`, StorageError('not-found') when there is no
 * job database yet (for commands that only read or change existing jobs).
 */
export async function openSqliteJobDb(stateDir: string, options: { mustExist?: boolean } = {}): Promise<JobDb> {
  const file = join(stateDir, 'jobs.db');
  if (options.mustExist === true && statSync(file, { throwIfNoEntry: false }) === undefined) {
    throw new StorageError('not-found', `No job database at '${file}': run lakeshift migrate first, or point --state-dir (or LAKESHIFT_STATE_DIR) at the directory that holds jobs.db.`);
  }
  let database: BetterSqlite3.Database;
  try {
    mkdirSync(stateDir, { recursive: true });
    database = new BetterSqlite3(file);
  } catch (error) {
    throw new StorageError('invalid-argument', `Cannot open the job database '${file}': ${(error as Error).message}. Check --state-dir (or LAKESHIFT_STATE_DIR) names a writable directory.`, { cause: error });
  }
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  // Item keys follow walk order (see pathKey), so a scan appends to a few index pages: 16 MiB is
  // plenty, and peak memory of a million-entry scan stays low.
  database.pragma('cache_size = -16384');
  // Checkpoints fsync; fewer, larger ones keep bulk scans fast (WAL grows to ~40 MB between them).
  database.pragma('wal_autocheckpoint = 10000');
  const db = new Kysely<JobDatabase>({ dialect: new SqliteDialect({ database }) });
  await migrateJobDb(db, 'sqlite');
  return { ...closable(db, 'sqlite', file), sqlite: database };
}

/**
 * Between runs of a long-lived process (`migrate --every`, bisync and drift loops): moves the SQLite
 * WAL back into the database and truncates it, so the WAL (and the page cache that follows it) does
 * not sit at its autocheckpoint size for the life of the process. A no-op on PostgreSQL, and when a
 * reader holds the WAL (the checkpoint then simply does less; the next one catches up).
 */
export function checkpointJobDb(jobDb: Pick<JobDb, 'sqlite'>): void {
  const sqlite = jobDb.sqlite;
  if (sqlite === undefined || !sqlite.open || sqlite.inTransaction) return;
  try {
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
    // Hands the page cache back too: the next run reads what it needs again.
    sqlite.pragma('shrink_memory');
  } catch {
    // SQLITE_BUSY: another connection is writing; the next run checkpoints.
  }
}

export interface PostgresJobDbOptions {
  /** e.g. postgres://postgres@127.0.0.1:5432/test */
  connectionString: string;
  /** Schema holding the tables (created if missing); default `public`. */
  schema?: string;
  poolSize?: number;
}

const PG_INT8 = 20;
const PG_NUMERIC = 1700;

/**
 * Opens the job database on PostgreSQL (same schema and queries as SQLite) and brings its schema up
 * to date. bigint columns are parsed to JS numbers (sizes and ms times stay below 2^53).
 */
export async function openPostgresJobDb(options: PostgresJobDbOptions): Promise<JobDb> {
  const schema = options.schema ?? 'public';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new StorageError('invalid-argument', `Invalid PostgreSQL schema name '${schema}': use lowercase letters, digits and '_'.`);
  }
  // pg loads only for PostgreSQL: SQLite runs never need it.
  const pg = (await import('pg')).default;
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? 4,
    options: `-c search_path=${schema}`,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === PG_INT8 || oid === PG_NUMERIC ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // An idle connection dropped by the server (a restart) must not crash the process: the next query
  // takes a fresh connection, and a query that was running fails and is retried by its caller.
  pool.on('error', () => undefined);
  // The same for a connection checked out at that moment (between queries of a transaction): the
  // error reaches its caller through the failed query, not as an unhandled 'error' event.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<JobDatabase>({ dialect: new PostgresDialect({ pool }) });
  await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(schema)}`.execute(db);
  await migrateJobDb(db, 'postgres');
  const url = new URL(options.connectionString);
  url.password = '';
  return closable(db, 'postgres', `${url.toString()} (schema ${schema})`);
}

function closable(db: Kysely<JobDatabase>, dialect: DialectName, location: string): JobDb {
  let closed = false;
  return {
    db,
    dialect,
    location,
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

/**
 * Creates the tables and indexes if missing. Written once for both dialects; the only difference is
 * the auto-increment key type. Idempotent.
 */
export async function migrateJobDb(db: Kysely<JobDatabase>, dialect: DialectName): Promise<void> {
  const serial = dialect === 'postgres' ? 'bigserial' : 'integer';
  const idColumn = <T extends { primaryKey(): T; autoIncrement(): T }>(c: T): T =>
    dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement();
  await db.schema
    .createTable('jobs').ifNotExists()
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('job_key', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('dest', 'text', (c) => c.notNull())
    .addColumn('options', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('runs', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('files_total', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('files_done', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('files_failed', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('files_skipped', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('bytes_total', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('bytes_done', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('runs').ifNotExists()
    .addColumn('id', serial, idColumn)
    .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
    .addColumn('run_no', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .addColumn('files_copied', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('files_failed', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('files_skipped', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('bytes_copied', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('deleted', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('watermark', 'bigint')
    .execute();
  await db.schema.createIndex('runs_job').ifNotExists().on('runs').columns(['job_id', 'run_no']).unique().execute();
  await db.schema
    .createTable('datasets').ifNotExists()
    .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('source_prefix', 'text', (c) => c.notNull())
    .addColumn('dest', 'text', (c) => c.notNull())
    .addColumn('watermark', 'bigint')
    .addColumn('last_run', 'integer')
    .addPrimaryKeyConstraint('datasets_pk', ['job_id', 'name'])
    .execute();
  await db.schema
    .createTable('items').ifNotExists()
    .addColumn('id', serial, idColumn)
    .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
    .addColumn('dataset', 'text', (c) => c.notNull())
    .addColumn('rel_path', 'text', (c) => c.notNull())
    .addColumn('path_hash', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('mtime_ms', 'bigint', (c) => c.notNull())
    .addColumn('source_etag', 'text')
    .addColumn('md5', 'text')
    .addColumn('committed_offset', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('skip_reason', 'text')
    .addColumn('seen_run', 'integer', (c) => c.notNull())
    .addColumn('copies', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  // Resume and rescans look items up by path key; claiming takes pending work in scan (id) order.
  // A database from before pathKey is re-keyed first, without the unique index (see rekeyItemPaths).
  if (await hasOutdatedPathKeys(db)) {
    await db.schema.dropIndex('items_path').ifExists().execute();
    await rekeyItemPaths(db);
  }
  await db.schema.createIndex('items_path').ifNotExists().on('items').columns(['job_id', 'dataset', 'path_hash']).unique().execute();
  await db.schema
    .createTable('progress').ifNotExists()
    .addColumn('id', serial, idColumn)
    .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
    .addColumn('run_no', 'integer', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('files_done', 'bigint', (c) => c.notNull())
    .addColumn('files_failed', 'bigint', (c) => c.notNull())
    .addColumn('bytes_done', 'bigint', (c) => c.notNull())
    .addColumn('files_to_copy', 'bigint', (c) => c.notNull())
    .addColumn('bytes_to_copy', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('progress_job').ifNotExists().on('progress').columns(['job_id', 'id']).execute();
  await db.schema.createIndex('items_claim').ifNotExists().on('items').columns(['job_id', 'state', 'id']).execute();
}
