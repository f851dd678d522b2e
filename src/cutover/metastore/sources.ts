import { text, type MetastoreConnection } from './connection.js';
import type { KeyColumn, SqlParam } from './dialect.js';
import type { MetastoreSchema } from './schema.js';

/** Which metastore object a location row belongs to, found through the row's first key. */
export type OwnerKind = 'db' | 'sd' | 'func' | 'serde' | 'tbl';

/** One column of the metastore that holds locations, with the primary key of its rows. */
export interface LocationSource {
  table: string;
  column: string;
  keys: readonly KeyColumn[];
  owner: OwnerKind;
  /** For the *_PARAMS tables: only rows with this PARAM_KEY hold a location. */
  paramKey?: string;
}

const id = (name: string): KeyColumn => ({ name, type: 'int' });

/** Every location column of the given schema, in the order scan and rewrite visit them. */
export function locationSources(schema: MetastoreSchema): LocationSource[] {
  const out: LocationSource[] = [{ table: 'DBS', column: 'DB_LOCATION_URI', keys: [id('DB_ID')], owner: 'db' }];
  if (schema.hasManagedLocation) out.push({ table: 'DBS', column: 'DB_MANAGED_LOCATION_URI', keys: [id('DB_ID')], owner: 'db' });
  out.push(
    { table: 'SDS', column: 'LOCATION', keys: [id('SD_ID')], owner: 'sd' },
    { table: 'FUNC_RU', column: 'RESOURCE_URI', keys: [id('FUNC_ID'), id('INTEGER_IDX')], owner: 'func' },
    { table: 'SKEWED_COL_VALUE_LOC_MAP', column: 'LOCATION', keys: [id('SD_ID'), id('STRING_LIST_ID_KID')], owner: 'sd' },
    // Spark datasource tables keep their path as a serde property (and some writers as a table property).
    { table: 'SERDE_PARAMS', column: 'PARAM_VALUE', keys: [id('SERDE_ID'), { name: 'PARAM_KEY', type: 'text' }], owner: 'serde', paramKey: 'path' },
    { table: 'TABLE_PARAMS', column: 'PARAM_VALUE', keys: [id('TBL_ID'), { name: 'PARAM_KEY', type: 'text' }], owner: 'tbl', paramKey: 'path' },
  );
  return out;
}

function dbName(schema: MetastoreSchema, row: Record<string, unknown>): string {
  const name = text(row, 'db');
  const catalog = schema.hasCatalogs ? text(row, 'ctlg') : '';
  return catalog !== '' && catalog.toLowerCase() !== 'hive' ? `${catalog}.${name}` : name;
}

/** Names the objects that own the given ids: `db`, `db.table`, `db.table/ds=1`, `db.function`. */
export async function nameOwners(conn: MetastoreConnection, schema: MetastoreSchema, owner: OwnerKind, ids: readonly string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (ids.length === 0) return names;
  const q = conn.dialect.id.bind(conn.dialect);
  const ctlg = schema.hasCatalogs ? `, d.${q('CTLG_NAME')} AS ctlg` : '';
  const idRows = ids.map((i) => [i]);
  const int = [{ name: 'id', type: 'int' as const }];
  /** Runs `select` restricted to rows whose `expr` is one of the ids. */
  const among = (select: string, expr: string, only: readonly (readonly string[])[] = idRows) => {
    const params: SqlParam[] = [];
    const where = conn.dialect.keysIn([expr], int, only, params);
    return conn.query(`${select} WHERE ${where}`, params);
  };
  const tables = `${q('TBLS')} t JOIN ${q('DBS')} d ON d.${q('DB_ID')} = t.${q('DB_ID')}`;
  if (owner === 'db') {
    const rows = await among(`SELECT d.${q('DB_ID')} AS id, d.${q('NAME')} AS db${ctlg} FROM ${q('DBS')} d`, `d.${q('DB_ID')}`);
    for (const r of rows) names.set(text(r, 'id'), dbName(schema, r));
  } else if (owner === 'tbl') {
    const rows = await among(`SELECT t.${q('TBL_ID')} AS id, d.${q('NAME')} AS db, t.${q('TBL_NAME')} AS tbl${ctlg} FROM ${tables}`, `t.${q('TBL_ID')}`);
    for (const r of rows) names.set(text(r, 'id'), `${dbName(schema, r)}.${text(r, 'tbl')}`);
  } else if (owner === 'func') {
    const rows = await among(`SELECT f.${q('FUNC_ID')} AS id, d.${q('NAME')} AS db, f.${q('FUNC_NAME')} AS fn${ctlg} FROM ${q('FUNCS')} f JOIN ${q('DBS')} d ON d.${q('DB_ID')} = f.${q('DB_ID')}`, `f.${q('FUNC_ID')}`);
    for (const r of rows) names.set(text(r, 'id'), `${dbName(schema, r)}.${text(r, 'fn')}`);
  } else if (owner === 'serde') {
    const rows = await among(`SELECT s.${q('SERDE_ID')} AS sid, s.${q('SD_ID')} AS id FROM ${q('SDS')} s`, `s.${q('SERDE_ID')}`);
    const sdNames = await nameOwners(conn, schema, 'sd', [...new Set(rows.map((r) => text(r, 'id')))]);
    for (const r of rows) {
      const n = sdNames.get(text(r, 'id'));
      if (n !== undefined && !names.has(text(r, 'sid'))) names.set(text(r, 'sid'), n);
    }
  } else {
    // Partitions outnumber tables by far: name them first, then ask TBLS only for what is left.
    const parts = await among(`SELECT p.${q('SD_ID')} AS id, d.${q('NAME')} AS db, t.${q('TBL_NAME')} AS tbl, p.${q('PART_NAME')} AS part${ctlg} FROM ${q('PARTITIONS')} p JOIN ${q('TBLS')} t ON t.${q('TBL_ID')} = p.${q('TBL_ID')} JOIN ${q('DBS')} d ON d.${q('DB_ID')} = t.${q('DB_ID')}`, `p.${q('SD_ID')}`);
    for (const r of parts) names.set(text(r, 'id'), `${dbName(schema, r)}.${text(r, 'tbl')}/${text(r, 'part')}`);
    const rest = ids.filter((i) => !names.has(i)).map((i) => [i]);
    if (rest.length > 0) {
      const tbls = await among(`SELECT t.${q('SD_ID')} AS id, d.${q('NAME')} AS db, t.${q('TBL_NAME')} AS tbl${ctlg} FROM ${tables}`, `t.${q('SD_ID')}`, rest);
      for (const r of tbls) names.set(text(r, 'id'), `${dbName(schema, r)}.${text(r, 'tbl')}`);
    }
  }
  return names;
}

/** The name used when no object owns a row (an orphaned storage descriptor, for example). */
export function unownedName(source: LocationSource, ownerId: string): string {
  return `(${source.table} ${source.keys[0]?.name ?? 'id'}=${ownerId}, no owner)`;
}
