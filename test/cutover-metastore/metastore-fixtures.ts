import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import pg from 'pg';

/**
 * Test support: fresh Hive metastores on the real PostgreSQL and MariaDB servers, loaded with Hive's
 * official schema files (fixtures/hive-schema), seeded with one row per location column and the
 * awkward cases (a partition elsewhere than its table, spaces, '%', unicode, non-Gen1 rows).
 */
export const PG_ADMIN_URL = process.env['LAKESHIFT_TEST_PG_ADMIN'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const MYSQL_ADMIN_URL = process.env['LAKESHIFT_TEST_MYSQL'] ?? 'mysql://root@127.0.0.1:3306/test';
export const HIVE_VERSIONS = ['2.3.0', '3.1.0', '4.0.0'] as const;
export type HiveVersion = (typeof HIVE_VERSIONS)[number];
export type TestDialect = 'postgres' | 'mysql';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'hive-schema');
const run = promisify(execFile);

/** Why a server cannot be used (printed as the skip reason), or undefined when it answers. */
export async function serverProblem(dialect: TestDialect, what: string): Promise<string | undefined> {
  try {
    if (dialect === 'postgres') {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
      await c.connect();
      await c.end();
    } else {
      const c = await mysql.createConnection({ uri: MYSQL_ADMIN_URL, connectTimeout: 2000 });
      await c.end();
    }
    return undefined;
  } catch (error) {
    const url = dialect === 'postgres' ? PG_ADMIN_URL : MYSQL_ADMIN_URL;
    const problem = `${url} is unreachable (${(error as Error).message})`;
    console.warn(`Skipping ${what}: ${problem}.`);
    return problem;
  }
}

export interface TestMetastore {
  dialect: TestDialect;
  version: HiveVersion;
  database: string;
  url: string;
  /** Runs one statement (tests only; `?` or `$n` placeholders as the dialect wants). */
  exec(sql: string, params?: unknown[]): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Creates a database with a random name and loads the official schema of `version` into it. */
export async function createMetastore(dialect: TestDialect, version: HiveVersion, load = true): Promise<TestMetastore> {
  const database = `ls_ms_${randomBytes(5).toString('hex')}`;
  const file = join(FIXTURES, `hive-schema-${version}.${dialect}.sql`);
  // The 2.3.0 scripts pull in the transaction tables with a client command (\i, SOURCE): not needed here.
  const schema = (await readFile(file, 'utf8')).split('\n').filter((l) => !/^(\\i |SOURCE )/.test(l)).join('\n');
  if (dialect === 'postgres') {
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    const url = withDatabase(PG_ADMIN_URL, database);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    if (load) await client.query(schema);
    return {
      dialect, version, database, url,
      exec: async (sql, params = []) => (await client.query(sql, params)).rows as Array<Record<string, unknown>>,
      close: async () => {
        await client.end();
        const a = new pg.Client({ connectionString: PG_ADMIN_URL });
        await a.connect();
        await a.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
        await a.end();
      },
    };
  }
  const admin = await mysql.createConnection({ uri: MYSQL_ADMIN_URL });
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const url = withDatabase(MYSQL_ADMIN_URL, database);
  const conn = await mysql.createConnection({ uri: url, multipleStatements: true, charset: 'utf8mb4' });
  if (load) await conn.query(schema);
  return {
    dialect, version, database, url,
    exec: async (sql, params = []) => {
      const [rows] = await conn.query(sql, params);
      return Array.isArray(rows) ? (rows as Array<Record<string, unknown>>) : [];
    },
    close: async () => {
      await conn.query(`DROP DATABASE IF EXISTS ${database}`);
      await conn.end();
    },
  };
}

export const GEN1 = 'adl://contoso.azuredatalakestore.net';
export const GEN2 = 'abfss://gen1@contoso2.dfs.core.windows.net';
export const MAP = `${GEN1}/=${GEN2}/`;

/** The partition directory with a space, a '%' and unicode (MySQL's Hive schema is latin1: ü only). */
export function oddName(dialect: TestDialect): string {
  return dialect === 'postgres' ? 'orders 2020 %41 ü 日本' : 'orders 2020 %41 ü';
}

function insert(ms: TestMetastore, table: string, row: Record<string, unknown>): Promise<unknown> {
  const q = (n: string) => (ms.dialect === 'postgres' ? `"${n}"` : `\`${n}\``);
  const cols = Object.keys(row);
  const ph = cols.map((_, i) => (ms.dialect === 'postgres' ? `$${i + 1}` : '?'));
  return ms.exec(`INSERT INTO ${q(table)} (${cols.map(q).join(', ')}) VALUES (${ph.join(', ')})`, Object.values(row));
}

export interface ExpectedFinding {
  table: string;
  column: string;
  object: string;
  location: string;
  action: 'rewrite' | 'report';
  replacement?: string;
}

/** Inserts the test rows; returns every Gen1 finding the scan must produce (nothing else may appear). */
export async function seedMetastore(ms: TestMetastore): Promise<ExpectedFinding[]> {
  const v4 = ms.version.startsWith('4');
  const odd = oddName(ms.dialect);
  const dbs: Array<[number, string, string, string | null]> = [
    [1, 'default', 'hdfs://nn:8020/warehouse', null],
    [2, 'sales', `${GEN1}/warehouse/sales.db`, `${GEN1}/managed/sales.db`],
    [3, 'other', 'adl://elsewhere.azuredatalakestore.net/x', null],
  ];
  for (const [id, name, loc, managed] of dbs) {
    await insert(ms, 'DBS', { DB_ID: id, DESC: null, DB_LOCATION_URI: loc, NAME: name, OWNER_NAME: 'hive', OWNER_TYPE: 'USER', ...(v4 ? { DB_MANAGED_LOCATION_URI: managed } : {}) });
  }
  const sds: Array<[number, string]> = [
    [1, `${GEN1}/warehouse/sales.db/orders`],
    [2, `${GEN1}/warehouse/sales.db/orders/ds=2020-01-01`],
    [3, `${GEN1}/archive/${odd}/ds=2020-01-02`],
    [4, 'abfss://data@contoso2.dfs.core.windows.net/orders/ds=2020-01-03'],
    [5, 'wasbs://c@acct.blob.core.windows.net/events'],
    [6, `${GEN1}/warehouse/sales.db/spark_t-__PLACEHOLDER__`],
    [7, 'adl:///clusters/c1/short'],
  ];
  for (const [id, loc] of sds) {
    await insert(ms, 'SERDES', { SERDE_ID: id, NAME: null, SLIB: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' });
    await insert(ms, 'SDS', { SD_ID: id, INPUT_FORMAT: 'in', IS_COMPRESSED: false, LOCATION: loc, NUM_BUCKETS: -1, OUTPUT_FORMAT: 'out', SERDE_ID: id, CD_ID: null, IS_STOREDASSUBDIRECTORIES: false });
  }
  const tbls: Array<[number, string, number]> = [[1, 'orders', 1], [2, 'events', 5], [3, 'spark_t', 6], [4, 'short', 7]];
  for (const [id, name, sd] of tbls) {
    await insert(ms, 'TBLS', { TBL_ID: id, CREATE_TIME: 0, DB_ID: 2, LAST_ACCESS_TIME: 0, OWNER: 'hive', RETENTION: 0, SD_ID: sd, TBL_NAME: name, TBL_TYPE: 'EXTERNAL_TABLE', IS_REWRITE_ENABLED: false });
  }
  for (const [id, name, sd] of [[1, 'ds=2020-01-01', 2], [2, 'ds=2020-01-02', 3], [3, 'ds=2020-01-03', 4]] as const) {
    await insert(ms, 'PARTITIONS', { PART_ID: id, CREATE_TIME: 0, LAST_ACCESS_TIME: 0, PART_NAME: name, SD_ID: sd, TBL_ID: 1 });
  }
  await insert(ms, 'SERDE_PARAMS', { SERDE_ID: 6, PARAM_KEY: 'path', PARAM_VALUE: `${GEN1}/warehouse/sales.db/spark_t` });
  await insert(ms, 'SERDE_PARAMS', { SERDE_ID: 6, PARAM_KEY: 'serialization.format', PARAM_VALUE: '1' });
  await insert(ms, 'TABLE_PARAMS', { TBL_ID: 3, PARAM_KEY: 'path', PARAM_VALUE: `${GEN1}/warehouse/sales.db/spark_t` });
  await insert(ms, 'TABLE_PARAMS', { TBL_ID: 3, PARAM_KEY: 'comment', PARAM_VALUE: `moved from ${GEN1}/old` });
  await insert(ms, 'FUNCS', { FUNC_ID: 1, CLASS_NAME: 'com.example.Udf', CREATE_TIME: 0, DB_ID: 2, FUNC_NAME: 'myudf', FUNC_TYPE: 1, OWNER_NAME: 'hive', OWNER_TYPE: 'USER' });
  await insert(ms, 'FUNC_RU', { FUNC_ID: 1, RESOURCE_TYPE: 1, RESOURCE_URI: `${GEN1}/jars/udf.jar`, INTEGER_IDX: 0 });
  await insert(ms, 'FUNC_RU', { FUNC_ID: 1, RESOURCE_TYPE: 1, RESOURCE_URI: 'hdfs://nn:8020/jars/other.jar', INTEGER_IDX: 1 });
  await insert(ms, 'SKEWED_STRING_LIST', { STRING_LIST_ID: 1 });
  await insert(ms, 'SKEWED_COL_VALUE_LOC_MAP', { SD_ID: 1, STRING_LIST_ID_KID: 1, LOCATION: `${GEN1}/warehouse/sales.db/orders/skew=1` });

  const rw = (table: string, column: string, object: string, path: string): ExpectedFinding => ({ table, column, object, location: `${GEN1}${path}`, action: 'rewrite', replacement: `${GEN2}${path}` });
  const out: ExpectedFinding[] = [
    rw('DBS', 'DB_LOCATION_URI', 'sales', '/warehouse/sales.db'),
    { table: 'DBS', column: 'DB_LOCATION_URI', object: 'other', location: 'adl://elsewhere.azuredatalakestore.net/x', action: 'report' },
    rw('SDS', 'LOCATION', 'sales.orders', '/warehouse/sales.db/orders'),
    rw('SDS', 'LOCATION', 'sales.orders/ds=2020-01-01', '/warehouse/sales.db/orders/ds=2020-01-01'),
    rw('SDS', 'LOCATION', 'sales.orders/ds=2020-01-02', `/archive/${odd}/ds=2020-01-02`),
    rw('SDS', 'LOCATION', 'sales.spark_t', '/warehouse/sales.db/spark_t-__PLACEHOLDER__'),
    { table: 'SDS', column: 'LOCATION', object: 'sales.short', location: 'adl:///clusters/c1/short', action: 'report' },
    rw('FUNC_RU', 'RESOURCE_URI', 'sales.myudf', '/jars/udf.jar'),
    rw('SKEWED_COL_VALUE_LOC_MAP', 'LOCATION', 'sales.orders', '/warehouse/sales.db/orders/skew=1'),
    rw('SERDE_PARAMS', 'PARAM_VALUE', 'sales.spark_t', '/warehouse/sales.db/spark_t'),
    rw('TABLE_PARAMS', 'PARAM_VALUE', 'sales.spark_t', '/warehouse/sales.db/spark_t'),
  ];
  if (v4) out.splice(2, 0, rw('DBS', 'DB_MANAGED_LOCATION_URI', 'sales', '/managed/sales.db'));
  return out;
}

/** A full data dump of the metastore database (pg_dump / mariadb-dump), for byte-for-byte comparison. */
export async function dumpMetastore(ms: TestMetastore): Promise<string> {
  if (ms.dialect === 'postgres') {
    const { stdout } = await run('pg_dump', ['--data-only', '--inserts', '--no-owner', ms.url], { maxBuffer: 64 << 20 });
    // pg_dump 15.14+ brackets the dump with \restrict/\unrestrict and a random key per run, and emits
    // rows in physical order, which any UPDATE changes: every row's line is compared, sorted.
    return stdout.split('\n').filter((l) => !/^\\(un)?restrict /.test(l)).sort().join('\n');
  }
  const u = new URL(ms.url);
  const { stdout } = await run('mysqldump', ['-h', u.hostname, '-P', u.port || '3306', '-u', decodeURIComponent(u.username), '--skip-dump-date', '--skip-comments', '--hex-blob', '--order-by-primary', ms.database], { maxBuffer: 64 << 20 });
  return stdout;
}

/** The location-bearing rows, for asserting exact values. */
export async function locationRows(ms: TestMetastore): Promise<Record<string, string | null>> {
  const q = (n: string) => (ms.dialect === 'postgres' ? `"${n}"` : `\`${n}\``);
  const out: Record<string, string | null> = {};
  const grab = async (table: string, keys: string[], col: string, where = '') => {
    for (const r of await ms.exec(`SELECT ${[...keys, col].map(q).join(', ')} FROM ${q(table)}${where}`)) {
      const v = r[col];
      out[`${table}.${col}:${keys.map((k) => String(r[k])).join(',')}`] = v === null || v === undefined ? null : Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
    }
  };
  await grab('DBS', ['DB_ID'], 'DB_LOCATION_URI');
  if (ms.version.startsWith('4')) await grab('DBS', ['DB_ID'], 'DB_MANAGED_LOCATION_URI');
  await grab('SDS', ['SD_ID'], 'LOCATION');
  await grab('FUNC_RU', ['FUNC_ID', 'INTEGER_IDX'], 'RESOURCE_URI');
  await grab('SKEWED_COL_VALUE_LOC_MAP', ['SD_ID', 'STRING_LIST_ID_KID'], 'LOCATION');
  await grab('SERDE_PARAMS', ['SERDE_ID', 'PARAM_KEY'], 'PARAM_VALUE');
  await grab('TABLE_PARAMS', ['TBL_ID', 'PARAM_KEY'], 'PARAM_VALUE');
  return out;
}
