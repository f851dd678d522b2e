/**
 * The SQL text each metastore database speaks: identifier quoting, parameter placeholders, string
 * literals for a DBA script, keyset pagination, and the batched UPDATE that carries every planned old
 * value in its join condition. Pure text: no I/O, so the Azure SQL (mssql) text is tested as text.
 */
export type DialectName = 'postgres' | 'mysql' | 'mssql';

/** A statement parameter: a value, or (PostgreSQL) an array bound to one `$n::type[]`. */
export type SqlParam = string | readonly string[];

/** A column of a row's identity, and how its values are typed on the wire. */
export interface KeyColumn {
  name: string;
  type: 'int' | 'text';
}

/** One row to change: its key values (as text), the value it must still hold, and the new value. */
export interface RowChange {
  key: readonly string[];
  old: string;
  new: string;
}

export interface Dialect {
  readonly name: DialectName;
  /** Quotes a Hive table or column name (they are upper case in every official schema). */
  id(name: string): string;
  /** The placeholder of the 1-based parameter `n`. */
  param(n: number, type?: KeyColumn['type']): string;
  /** A string literal for a script a DBA runs by hand. */
  literal(value: string): string;
  /** `SELECT cols FROM table WHERE where ORDER BY order` limited to `limit` rows. */
  limitQuery(cols: string, from: string, where: string, order: string, limit: number): string;
  /** A case-insensitive-by-lowering LIKE test on an expression. */
  lowerLike(expr: string, patternParam: string): string;
  /** Equality that compares exact bytes (MySQL collations ignore case and trailing spaces). */
  exactEquals(a: string, b: string): string;
  /**
   * One UPDATE for a batch: sets `column` to each row's new value where the key matches AND the
   * column still holds the planned old value. Returns the text and its parameters in order.
   */
  batchUpdate(table: string, column: string, keys: readonly KeyColumn[], rows: readonly RowChange[]): { sql: string; params: SqlParam[] };
  /** A condition that the key expressions are one of `rows`; appends its parameters to `params`. */
  keysIn(exprs: readonly string[], keys: readonly KeyColumn[], rows: readonly (readonly string[])[], params: SqlParam[]): string;
}

const SQL_TYPE = { int: 'bigint', text: 'text' } as const;

/** `IN (...)` with one placeholder per value, or OR-ed equalities for a composite key. */
function keysInPlaceholders(d: Pick<Dialect, 'param'>, exprs: readonly string[], keys: readonly KeyColumn[], rows: readonly (readonly string[])[], params: SqlParam[]): string {
  const first = keys[0];
  if (keys.length === 1 && first !== undefined) {
    return `${exprs[0] ?? ''} IN (${rows.map((r) => { params.push(r[0] ?? ''); return d.param(params.length, first.type); }).join(', ')})`;
  }
  return `(${rows.map((r) => `(${keys.map((k, i) => { params.push(r[i] ?? ''); return `${exprs[i] ?? ''} = ${d.param(params.length, k.type)}`; }).join(' AND ')})`).join(' OR ')})`;
}

/** Row-value comparison `(k1, k2) > (last)` written out so every dialect (and index) takes it. */
export function keysetAfter(d: Dialect, alias: string, keys: readonly KeyColumn[], firstParam: number): { sql: string; count: number } {
  const parts: string[] = [];
  let n = firstParam;
  for (let i = 0; i < keys.length; i += 1) {
    const eqs: string[] = [];
    for (let j = 0; j < i; j += 1) {
      const k = keys[j] as KeyColumn;
      eqs.push(`${alias}.${d.id(k.name)} = ${d.param(n, k.type)}`);
      n += 1;
    }
    const k = keys[i] as KeyColumn;
    eqs.push(`${alias}.${d.id(k.name)} > ${d.param(n, k.type)}`);
    n += 1;
    parts.push(`(${eqs.join(' AND ')})`);
  }
  return { sql: `(${parts.join(' OR ')})`, count: n - firstParam };
}

/** The parameters keysetAfter expects for the last key seen. */
export function keysetParams(last: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < last.length; i += 1) for (let j = 0; j <= i; j += 1) out.push(last[j] as string);
  return out;
}

// PostgreSQL takes each column of a batch as one array parameter (unnest): one plan, any batch size.
const postgres: Dialect = {
  name: 'postgres',
  id: (name) => `"${name.replace(/"/g, '""')}"`,
  param: (n, type) => (type === 'int' ? `$${n}::bigint` : `$${n}::text`),
  literal: (value) => `'${value.replace(/'/g, "''")}'`,
  limitQuery: (cols, from, where, order, limit) => `SELECT ${cols} FROM ${from} WHERE ${where} ORDER BY ${order} LIMIT ${limit}`,
  lowerLike: (expr, p) => `LOWER(${expr}) LIKE ${p}`,
  exactEquals: (a, b) => `${a} = ${b}`,
  batchUpdate(table, column, keys, rows) {
    const params: SqlParam[] = [...keys.map((_, i) => rows.map((r) => r.key[i] ?? '')), rows.map((r) => r.old), rows.map((r) => r.new)];
    const arrays = [...keys.map((k, i) => `$${i + 1}::${SQL_TYPE[k.type]}[]`), `$${keys.length + 1}::text[]`, `$${keys.length + 2}::text[]`].join(', ');
    const names = [...keys.map((_, i) => `k${i}`), 'old_value', 'new_value'].join(', ');
    const on = keys.map((k, i) => `t.${this.id(k.name)} = v.k${i}`).join(' AND ');
    const sql = `UPDATE ${this.id(table)} AS t SET ${this.id(column)} = v.new_value FROM unnest(${arrays}) AS v(${names}) WHERE ${on} AND t.${this.id(column)} = v.old_value`;
    return { sql, params };
  },
  keysIn(exprs, keys, rows, params) {
    const first = keys[0];
    if (keys.length === 1 && first !== undefined) {
      params.push(rows.map((r) => r[0] ?? ''));
      return `${exprs[0] ?? ''} = ANY($${params.length}::${SQL_TYPE[first.type]}[])`;
    }
    const arrays = keys.map((k, i) => { params.push(rows.map((r) => r[i] ?? '')); return `$${params.length}::${SQL_TYPE[k.type]}[]`; });
    return `(${exprs.join(', ')}) IN (SELECT * FROM unnest(${arrays.join(', ')}))`;
  },
};

const mysql: Dialect = {
  name: 'mysql',
  id: (name) => `\`${name.replace(/`/g, '``')}\``,
  param: () => '?',
  // Backslash is an escape character in MySQL's default sql_mode; the script says so in its header.
  literal: (value) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`,
  limitQuery: (cols, from, where, order, limit) => `SELECT ${cols} FROM ${from} WHERE ${where} ORDER BY ${order} LIMIT ${limit}`,
  lowerLike: (expr, p) => `LOWER(${expr}) LIKE ${p}`,
  // Compared as characters (the Hive schema stores latin1, parameters arrive as utf8mb4) under a binary
  // collation; the length check catches the trailing spaces a PAD SPACE collation would ignore.
  exactEquals: (a, b) => `(CONVERT(${a} USING utf8mb4) COLLATE utf8mb4_bin = CONVERT(${b} USING utf8mb4) COLLATE utf8mb4_bin AND CHAR_LENGTH(${a}) = CHAR_LENGTH(${b}))`,
  batchUpdate(table, column, keys, rows) {
    const params: string[] = [];
    const selects = rows.map((r, idx) => {
      const cells = keys.map((k, i) => { params.push(r.key[i] as string); return idx === 0 ? `? AS k${i}` : '?'; });
      params.push(r.old, r.new);
      cells.push(idx === 0 ? '? AS old_value' : '?', idx === 0 ? '? AS new_value' : '?');
      return `SELECT ${cells.join(', ')}`;
    });
    const on = keys.map((k, i) => `t.${this.id(k.name)} = v.k${i}`).join(' AND ');
    const sql = `UPDATE ${this.id(table)} AS t JOIN (${selects.join(' UNION ALL ')}) AS v ON ${on} AND ${this.exactEquals(`t.${this.id(column)}`, 'v.old_value')} SET t.${this.id(column)} = v.new_value`;
    return { sql, params };
  },
  keysIn(exprs, keys, rows, params) {
    return keysInPlaceholders(this, exprs, keys, rows, params);
  },
};

const mssql: Dialect = {
  name: 'mssql',
  id: (name) => `[${name.replace(/]/g, ']]')}]`,
  param: (n) => `@p${n}`,
  literal: (value) => `N'${value.replace(/'/g, "''")}'`,
  limitQuery: (cols, from, where, order, limit) => `SELECT TOP (${limit}) ${cols} FROM ${from} WHERE ${where} ORDER BY ${order}`,
  lowerLike: (expr, p) => `LOWER(${expr}) LIKE ${p}`,
  // Azure SQL's default collation ignores case; a binary collation compares exactly.
  exactEquals: (a, b) => `${a} COLLATE Latin1_General_100_BIN2 = ${b} COLLATE Latin1_General_100_BIN2`,
  batchUpdate(table, column, keys, rows) {
    const params: string[] = [];
    const tuples = rows.map((r) => {
      const cells = keys.map((k, i) => { params.push(r.key[i] as string); return k.type === 'int' ? `CAST(@p${params.length} AS BIGINT)` : `@p${params.length}`; });
      params.push(r.old);
      cells.push(`@p${params.length}`);
      params.push(r.new);
      cells.push(`@p${params.length}`);
      return `(${cells.join(', ')})`;
    });
    const names = [...keys.map((_, i) => `k${i}`), 'old_value', 'new_value'].join(', ');
    const on = keys.map((k, i) => `t.${this.id(k.name)} = v.k${i}`).join(' AND ');
    const sql = `UPDATE t SET t.${this.id(column)} = v.new_value FROM ${this.id(table)} AS t JOIN (VALUES ${tuples.join(', ')}) AS v(${names}) ON ${on} AND ${this.exactEquals(`t.${this.id(column)}`, 'v.old_value')}`;
    return { sql, params };
  },
  keysIn(exprs, keys, rows, params) {
    return keysInPlaceholders(this, exprs, keys, rows, params);
  },
};

const DIALECTS: Record<DialectName, Dialect> = { postgres, mysql, mssql };

export function dialectFor(name: DialectName): Dialect {
  return DIALECTS[name];
}
