import { isNull, text, type MetastoreConnection } from './connection.js';
import { keysetAfter, keysetParams } from './dialect.js';
import { GEN1_LIKE_PATTERNS, type LocationMapper } from './location-mapping.js';
import type { MetastoreSchema } from './schema.js';
import { locationSources, nameOwners, unownedName, type LocationSource } from './sources.js';

/** One Gen1 location found in the metastore (the `findings` items of the JSON output). */
export interface Finding {
  /** Metastore table and column that hold the location. */
  table: string;
  column: string;
  /** Primary key of the row, column name -> value (ids as text, exactly as stored). */
  key: Record<string, string>;
  /** The object it belongs to: `db`, `db.table`, `db.table/ds=2020-01-01`, `db.function`. */
  object: string;
  location: string;
  action: 'rewrite' | 'report';
  replacement?: string;
  reason?: string;
}

export interface ScanOptions {
  /** Rows read per query (keyset pagination); memory holds at most one batch. */
  batchSize?: number;
}

export const DEFAULT_BATCH_SIZE = 2000;

/** The key values of a finding in the order of its source's key columns. */
export function keyValues(source: Pick<LocationSource, 'keys'>, key: Record<string, string>): string[] {
  return source.keys.map((k) => key[k.name] ?? '');
}

/** The source a finding was read from. */
export function sourceOf(schema: MetastoreSchema, finding: Pick<Finding, 'table' | 'column'>): LocationSource | undefined {
  return locationSources(schema).find((s) => s.table === finding.table && s.column === finding.column);
}

async function* scanSource(conn: MetastoreConnection, schema: MetastoreSchema, source: LocationSource, mapper: LocationMapper, batchSize: number): AsyncGenerator<Finding[]> {
  const d = conn.dialect;
  const q = d.id.bind(d);
  const cols = [...source.keys.map((k, i) => `x.${q(k.name)} AS k${i}`), `x.${q(source.column)} AS loc`].join(', ');
  const order = source.keys.map((k) => `x.${q(k.name)}`).join(', ');
  let last: string[] | undefined;
  for (;;) {
    const where: string[] = [];
    const params: string[] = [];
    if (last !== undefined) {
      where.push(keysetAfter(d, 'x', source.keys, 1).sql);
      params.push(...keysetParams(last));
    }
    const likes = GEN1_LIKE_PATTERNS.map((p) => { params.push(p); return d.lowerLike(`x.${q(source.column)}`, d.param(params.length)); });
    where.push(`(${likes.join(' OR ')})`);
    if (source.paramKey !== undefined) {
      params.push(source.paramKey);
      where.push(`x.${q('PARAM_KEY')} = ${d.param(params.length)}`);
    }
    const rows = await conn.query(d.limitQuery(cols, `${q(source.table)} x`, where.join(' AND '), order, batchSize), params);
    if (rows.length === 0) return;
    const lastRow = rows[rows.length - 1] ?? {};
    last = source.keys.map((_, i) => text(lastRow, `k${i}`));
    const found: Array<{ row: Record<string, unknown>; verdict: ReturnType<LocationMapper['classify']> }> = [];
    for (const row of rows) {
      if (isNull(row, 'loc')) continue;
      const verdict = mapper.classify(text(row, 'loc'));
      if (verdict.kind === 'gen1') found.push({ row, verdict });
    }
    if (found.length > 0) {
      const owners = [...new Set(found.map((f) => text(f.row, 'k0')))];
      const names = await nameOwners(conn, schema, source.owner, owners);
      yield found.map(({ row, verdict }) => {
        const key: Record<string, string> = {};
        source.keys.forEach((k, i) => { key[k.name] = text(row, `k${i}`); });
        const owner = text(row, 'k0');
        const base = { table: source.table, column: source.column, key, object: names.get(owner) ?? unownedName(source, owner), location: text(row, 'loc') };
        return verdict.kind === 'gen1' && verdict.action === 'rewrite'
          ? { ...base, action: 'rewrite' as const, replacement: verdict.replacement }
          : { ...base, action: 'report' as const, reason: verdict.kind === 'gen1' ? verdict.reason : '' };
      });
    }
    if (rows.length < batchSize) return;
  }
}

/**
 * Streams every Gen1 location of the metastore, one batch of findings at a time, in source order
 * (DBS, SDS, FUNC_RU, SKEWED_COL_VALUE_LOC_MAP, SERDE_PARAMS, TABLE_PARAMS) and key order within a
 * source. Reads only; non-Gen1 locations (abfss://, wasbs://, hdfs://, ...) are never returned.
 */
export async function* scanFindings(conn: MetastoreConnection, schema: MetastoreSchema, mapper: LocationMapper, o: ScanOptions = {}): AsyncGenerator<Finding[]> {
  const batchSize = Math.max(1, o.batchSize ?? DEFAULT_BATCH_SIZE);
  for (const source of locationSources(schema)) yield* scanSource(conn, schema, source, mapper, batchSize);
}
