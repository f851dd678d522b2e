import { StorageError } from '../../core/errors.js';
import { text, type MetastoreConnection } from './connection.js';

/** What lakeshift needs to know about a metastore's schema. */
export interface MetastoreSchema {
  /** `VERSION.SCHEMA_VERSION`, e.g. `2.3.0`, `3.1.0`, `4.0.0`. */
  version: string;
  /** The schema family the version belongs to. */
  family: '2.3' | '3.1' | '4';
  /** DBS.DB_MANAGED_LOCATION_URI exists (Hive 4). */
  hasManagedLocation: boolean;
  /** DBS.CTLG_NAME exists (Hive 3 and later). */
  hasCatalogs: boolean;
}

/** The tables whose rows lakeshift reads or names objects through. */
export const REQUIRED_TABLES = ['VERSION', 'DBS', 'TBLS', 'SDS', 'PARTITIONS', 'FUNCS', 'FUNC_RU', 'SKEWED_COL_VALUE_LOC_MAP', 'SERDE_PARAMS', 'TABLE_PARAMS'] as const;

/** Hive schema versions whose official SQL the tests load (see docs/cutover-metastore.md). */
export function schemaFamily(version: string): MetastoreSchema['family'] | undefined {
  if (/^2\.3\.\d+$/.test(version)) return '2.3';
  if (/^3\.1\.\d+$/.test(version)) return '3.1';
  if (/^4\.\d+\.\d+(-[A-Za-z0-9-]+)?$/.test(version)) return '4';
  return undefined;
}

async function columnsOf(conn: MetastoreConnection): Promise<Map<string, Set<string>>> {
  const current = conn.dialect.name === 'postgres' ? 'current_schema()' : conn.dialect.name === 'mysql' ? 'DATABASE()' : 'SCHEMA_NAME()';
  const rows = await conn.query(`SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = ${current}`);
  const out = new Map<string, Set<string>>();
  for (const r of rows) {
    const t = text(r, 't');
    const set = out.get(t) ?? new Set<string>();
    set.add(text(r, 'c'));
    out.set(t, set);
  }
  return out;
}

/**
 * Reads the schema version from the VERSION table and checks that every table lakeshift touches is
 * there. Throws invalid-argument (exit 2) for a database that is not a metastore or a version it
 * does not know; nothing is written either way.
 */
export async function detectSchema(conn: MetastoreConnection): Promise<MetastoreSchema> {
  const columns = await columnsOf(conn);
  const missing = REQUIRED_TABLES.filter((t) => !columns.has(t));
  if (missing.length === REQUIRED_TABLES.length || missing.includes('VERSION')) {
    throw new StorageError('invalid-argument', `${conn.where} is not a Hive metastore database: it has no ${missing.includes('VERSION') ? 'VERSION' : missing.join(', ')} table. Point --metastore at the database the metastore service uses (javax.jdo.option.ConnectionURL).`);
  }
  if (missing.length > 0) {
    throw new StorageError('invalid-argument', `${conn.where} looks like a Hive metastore but lacks the tables ${missing.join(', ')}; lakeshift supports the official Hive 2.3, 3.1 and 4.x schemas.`);
  }
  const q = conn.dialect.id.bind(conn.dialect);
  const versions = await conn.query(`SELECT ${q('SCHEMA_VERSION')} AS v FROM ${q('VERSION')}`);
  const first = versions[0];
  if (first === undefined || versions.length !== 1) {
    throw new StorageError('invalid-argument', `${conn.where}: the metastore's VERSION table holds ${versions.length} rows instead of one; run Hive's schematool -info to check the schema.`);
  }
  const version = text(first, 'v').trim();
  const family = schemaFamily(version);
  if (family === undefined) {
    throw new StorageError('invalid-argument', `${conn.where}: Hive metastore schema version '${version}' is not one lakeshift knows (2.3.x, 3.1.x, 4.x); upgrade it with Hive's schematool or open an issue with the version.`);
  }
  const dbs = columns.get('DBS') ?? new Set<string>();
  return { version, family, hasManagedLocation: dbs.has('DB_MANAGED_LOCATION_URI'), hasCatalogs: dbs.has('CTLG_NAME') };
}
