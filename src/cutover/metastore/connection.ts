import pg from 'pg';
import mysql from 'mysql2/promise';
import { StorageError } from '../../core/errors.js';
import { dialectFor, type Dialect, type DialectName, type SqlParam } from './dialect.js';

export type Row = Record<string, unknown>;

/** One open connection to a metastore database; statements run in order on it. */
export interface MetastoreConnection {
  readonly dialect: Dialect;
  /** The URL without its password, for messages and files. */
  readonly where: string;
  query(sql: string, params?: readonly SqlParam[]): Promise<Row[]>;
  /** Runs a statement and returns the number of rows it matched. */
  execute(sql: string, params?: readonly SqlParam[]): Promise<number>;
  begin(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Sets the session read-only, so a scan cannot write even by mistake. */
  readOnly?: boolean;
  connectTimeoutMs?: number;
}

/** The URL with any password replaced, safe to print. */
export function redactDbUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@]*):[^@/]*@/i, '$1:REDACTED@');
}

/** Which dialect a metastore URL names; throws invalid-argument for anything else. */
export function dialectOfUrl(url: string): DialectName {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') return 'postgres';
  if (scheme === 'mysql' || scheme === 'mariadb') return 'mysql';
  if (scheme === 'mssql' || scheme === 'sqlserver') return 'mssql';
  throw new StorageError('invalid-argument', `--metastore '${redactDbUrl(url)}' must be a postgres://, mysql:// or mssql:// URL of the Hive metastore database (for example postgres://hive@db.example.com:5432/metastore).`);
}

function errorCode(error: unknown): string {
  if (typeof error !== 'object' || error === null) return '';
  const e = error as { code?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && e.code !== '') return e.code;
  if (Array.isArray(e.errors)) for (const inner of e.errors) { const c = errorCode(inner); if (c !== '') return c; }
  return '';
}

/** Turns a driver's connect or query error into a StorageError with one clear line. */
export function describeDbError(error: unknown, where: string): StorageError {
  const code = errorCode(error);
  const text = error instanceof Error && error.message !== '' ? error.message : code;
  if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET', 'ENETUNREACH', 'PROTOCOL_CONNECTION_LOST'].includes(code) || /timeout/i.test(text)) {
    return new StorageError('transient', `Cannot reach the metastore database at ${where} (${code || text}); check host, port and that the server is running.`, { cause: error, retryable: false });
  }
  if (code === '28P01' || code === '28000' || code === 'ER_ACCESS_DENIED_ERROR' || code === 'ER_DBACCESS_DENIED_ERROR') {
    return new StorageError('auth-failed', `The metastore database at ${where} refused the credentials: ${text}.`, { cause: error });
  }
  if (code === '3D000' || code === 'ER_BAD_DB_ERROR') {
    return new StorageError('not-found', `The metastore database at ${where} does not exist: ${text}.`, { cause: error });
  }
  return new StorageError('transient', `The metastore database at ${where} failed: ${text}${code ? ` (${code})` : ''}.`, { cause: error, retryable: false });
}

async function openPostgres(url: string, where: string, o: OpenOptions): Promise<MetastoreConnection> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: o.connectTimeoutMs ?? 5000 });
  client.on('error', () => undefined); // a dropped connection surfaces on the next query
  await client.connect();
  // Pages of a few thousand rows by primary key: a parallel plan only adds worker start-up to each page.
  await client.query('SET max_parallel_workers_per_gather = 0');
  if (o.readOnly === true) await client.query('SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY');
  const run = async (sql: string, params: readonly SqlParam[] = []) => {
    try {
      return await client.query(sql, [...params]);
    } catch (error) {
      throw describeDbError(error, where);
    }
  };
  return {
    dialect: dialectFor('postgres'),
    where,
    query: async (sql, params) => (await run(sql, params)).rows as Row[],
    execute: async (sql, params) => (await run(sql, params)).rowCount ?? 0,
    begin: async () => { await run('BEGIN'); },
    commit: async () => { await run('COMMIT'); },
    rollback: async () => { await run('ROLLBACK'); },
    close: async () => { await client.end().catch(() => undefined); },
  };
}

async function openMysql(url: string, where: string, o: OpenOptions): Promise<MetastoreConnection> {
  const conn = await mysql.createConnection({ uri: url, connectTimeout: o.connectTimeoutMs ?? 5000, charset: 'utf8mb4', supportBigNumbers: true, bigNumberStrings: true });
  conn.on('error', () => undefined);
  if (o.readOnly === true) await conn.query('SET SESSION TRANSACTION READ ONLY');
  const run = async (sql: string, params: readonly SqlParam[] = []) => {
    try {
      const [result] = await conn.query(sql, [...params]);
      return result;
    } catch (error) {
      throw describeDbError(error, where);
    }
  };
  return {
    dialect: dialectFor('mysql'),
    where,
    query: async (sql, params) => {
      const r = await run(sql, params);
      return Array.isArray(r) ? (r as Row[]) : [];
    },
    execute: async (sql, params) => {
      const r = await run(sql, params);
      return Array.isArray(r) ? r.length : (r as { affectedRows?: number }).affectedRows ?? 0;
    },
    begin: async () => { await run('START TRANSACTION'); },
    commit: async () => { await run('COMMIT'); },
    rollback: async () => { await run('ROLLBACK'); },
    close: async () => { await conn.end().catch(() => undefined); },
  };
}

/**
 * Connects to a Hive metastore database. Throws StorageError: invalid-argument (URL), transient
 * (unreachable), auth-failed (credentials), not-found (no such database), not-supported (mssql,
 * whose statements lakeshift generates as text but has no driver to run).
 */
export async function openMetastore(url: string, o: OpenOptions = {}): Promise<MetastoreConnection> {
  const dialect = dialectOfUrl(url);
  const where = redactDbUrl(url);
  if (dialect === 'mssql') {
    throw new StorageError('not-supported', `${where}: lakeshift has no Azure SQL (mssql) driver yet; its Azure SQL statements are generated as text only (docs/cutover-metastore.md), and have not run against a live server.`);
  }
  try {
    return dialect === 'postgres' ? await openPostgres(url, where, o) : await openMysql(url, where, o);
  } catch (error) {
    throw error instanceof StorageError ? error : describeDbError(error, where);
  }
}

/** Reads a column of a driver row as text (ids may come back as numbers, strings or bigints). */
export function text(row: Row, column: string): string {
  const v = row[column];
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return String(v);
}

/** True when the column holds SQL NULL. */
export function isNull(row: Row, column: string): boolean {
  return row[column] === null || row[column] === undefined;
}
