import { StorageError } from '../../core/errors.js';
import { isNull, text, type MetastoreConnection } from './connection.js';
import type { RowChange, SqlParam } from './dialect.js';
import type { LocationMapper } from './location-mapping.js';
import { DEFAULT_BATCH_SIZE, keyValues, scanFindings, sourceOf } from './scan.js';
import type { MetastoreSchema } from './schema.js';
import type { LocationSource } from './sources.js';
import { assertUndoFileAbsent, readUndoHeader, readUndoRows, UndoFileWriter, type UndoRow } from './undo-file.js';

export interface ChangeOptions {
  batchSize?: number;
  /** Called after each batch with the rows done so far in the current phase. */
  onProgress?: (phase: 'plan' | 'update', rows: number) => void;
}

export interface ApplySummary {
  schema_version: string;
  /** Rows changed (apply) or restored (undo). */
  rows: number;
  /** Gen1 locations left as they are because they are outside the mapping or malformed. */
  reported: number;
  undo_file: string;
}

/** The largest batch a dialect's parameter limit allows (Azure SQL takes 2,100 parameters). */
function batchFor(conn: MetastoreConnection, requested: number | undefined): number {
  const n = Math.max(1, requested ?? DEFAULT_BATCH_SIZE);
  return conn.dialect.name === 'mssql' ? Math.min(n, 400) : n;
}

function keyString(values: readonly string[]): string {
  return JSON.stringify(values);
}

/** Current values of the given rows, keyed by keyString (null when the column is NULL). */
async function readCurrent(conn: MetastoreConnection, source: LocationSource, keys: readonly (readonly string[])[]): Promise<Map<string, string | null>> {
  const d = conn.dialect;
  const q = d.id.bind(d);
  const params: SqlParam[] = [];
  const where = d.keysIn(source.keys.map((c) => `x.${q(c.name)}`), source.keys, keys, params);
  const cols = [...source.keys.map((c, i) => `x.${q(c.name)} AS k${i}`), `x.${q(source.column)} AS loc`].join(', ');
  const rows = await conn.query(`SELECT ${cols} FROM ${q(source.table)} x WHERE ${where}`, params);
  const out = new Map<string, string | null>();
  for (const r of rows) out.set(keyString(source.keys.map((_, i) => text(r, `k${i}`))), isNull(r, 'loc') ? null : text(r, 'loc'));
  return out;
}

/**
 * Updates one run of rows of one source: a single UPDATE whose join carries each planned old value,
 * then a re-read in the same transaction. Throws precondition-failed naming every row that does not
 * hold its target value afterwards (it changed since the plan); the caller rolls back.
 */
async function changeRun(conn: MetastoreConnection, source: LocationSource, rows: readonly UndoRow[], direction: 'apply' | 'undo'): Promise<void> {
  const changes: RowChange[] = rows.map((r) => ({ key: keyValues(source, r.key), old: direction === 'apply' ? r.old : r.new, new: direction === 'apply' ? r.new : r.old }));
  const { sql, params } = conn.dialect.batchUpdate(source.table, source.column, source.keys, changes);
  await conn.execute(sql, params);
  const current = await readCurrent(conn, source, changes.map((c) => c.key));
  const conflicts: string[] = [];
  rows.forEach((r, i) => {
    const c = changes[i] as RowChange;
    const now = current.get(keyString(c.key));
    if (now === c.new) return;
    const keyText = source.keys.map((k) => `${k.name}=${r.key[k.name] ?? ''}`).join(',');
    conflicts.push(`${source.table}.${source.column} ${keyText} (${r.object}): expected ${JSON.stringify(c.old)}, found ${now === undefined ? 'no row' : JSON.stringify(now)}`);
  });
  if (conflicts.length > 0) {
    const shown = conflicts.slice(0, 20).join('; ');
    const more = conflicts.length > 20 ? ` and ${conflicts.length - 20} more` : '';
    throw new StorageError('precondition-failed', `${conflicts.length} planned row(s) changed since the plan, so nothing was changed (rolled back): ${shown}${more}. Run the command again to plan from the current values.`);
  }
}

/** Applies (or undoes) every row of an undo file in one transaction, batch by batch. */
async function runUndoFile(conn: MetastoreConnection, schema: MetastoreSchema, path: string, direction: 'apply' | 'undo', o: ChangeOptions): Promise<number> {
  const batchSize = batchFor(conn, o.batchSize);
  let done = 0;
  await conn.begin();
  try {
    for await (const batch of readUndoRows(path, batchSize)) {
      let start = 0;
      while (start < batch.length) {
        const head = batch[start] as UndoRow;
        let end = start + 1;
        while (end < batch.length && (batch[end] as UndoRow).table === head.table && (batch[end] as UndoRow).column === head.column) end += 1;
        const source = sourceOf(schema, head);
        if (source === undefined) throw new StorageError('invalid-argument', `${path}: ${head.table}.${head.column} is not a location column of a Hive ${schema.version} metastore.`);
        await changeRun(conn, source, batch.slice(start, end), direction);
        done += end - start;
        start = end;
      }
      o.onProgress?.('update', done);
    }
    await conn.commit();
  } catch (error) {
    await conn.rollback().catch(() => undefined);
    throw error;
  }
  return done;
}

/**
 * The first half of `--apply`: writes every planned row's old and new value to `undoPath` (refused
 * when it exists) and syncs it. Changes nothing in the metastore.
 */
export async function planRewrite(conn: MetastoreConnection, schema: MetastoreSchema, mapper: LocationMapper, undoPath: string, o: ChangeOptions = {}): Promise<{ rows: number; reported: number }> {
  await assertUndoFileAbsent(undoPath);
  const writer = await UndoFileWriter.create(undoPath, {
    lakeshift: 'metastore-undo', version: 1, metastore: conn.where, dialect: conn.dialect.name, schema_version: schema.version, created_at: new Date().toISOString(),
  });
  let reported = 0;
  let planned = 0;
  try {
    for await (const batch of scanFindings(conn, schema, mapper, { batchSize: batchFor(conn, o.batchSize) })) {
      for (const f of batch) {
        if (f.action === 'rewrite' && f.replacement !== undefined) await writer.add({ table: f.table, column: f.column, key: f.key, object: f.object, old: f.location, new: f.replacement });
        else reported += 1;
      }
      planned += batch.length;
      o.onProgress?.('plan', planned);
    }
  } catch (error) {
    await writer.abandon();
    throw error;
  }
  return { rows: await writer.finish(), reported };
}

/**
 * The second half of `--apply`: updates every row of a complete plan file in one transaction, in
 * batches, each UPDATE carrying the planned old value; re-reads each batch and commits only when every
 * row holds its new value. Throws precondition-failed (nothing changed) when a row changed since the plan.
 */
export async function applyPlan(conn: MetastoreConnection, schema: MetastoreSchema, undoPath: string, o: ChangeOptions = {}): Promise<number> {
  const { header } = await readUndoHeader(undoPath);
  if (header.dialect !== conn.dialect.name) {
    throw new StorageError('invalid-argument', `${undoPath} was written for a ${header.dialect} metastore (${header.metastore}); ${conn.where} is ${conn.dialect.name}.`);
  }
  return runUndoFile(conn, schema, undoPath, 'apply', o);
}

/**
 * `rewrite --apply`: planRewrite then applyPlan. A failure or a kill before the commit leaves every
 * row as it was; the undo file then restores nothing that needs restoring.
 */
export async function applyRewrite(conn: MetastoreConnection, schema: MetastoreSchema, mapper: LocationMapper, undoPath: string, o: ChangeOptions = {}): Promise<ApplySummary> {
  const { rows, reported } = await planRewrite(conn, schema, mapper, undoPath, o);
  if (rows > 0) await applyPlan(conn, schema, undoPath, o);
  return { schema_version: schema.version, rows, reported, undo_file: undoPath };
}

/** `undo FILE`: restores every row of an undo file to its old value, in one transaction. */
export async function undoRewrite(conn: MetastoreConnection, schema: MetastoreSchema, undoPath: string, o: ChangeOptions = {}): Promise<ApplySummary> {
  const { header } = await readUndoHeader(undoPath);
  if (header.dialect !== conn.dialect.name) {
    throw new StorageError('invalid-argument', `${undoPath} was written for a ${header.dialect} metastore (${header.metastore}); ${conn.where} is ${conn.dialect.name}.`);
  }
  const rows = await runUndoFile(conn, schema, undoPath, 'undo', o);
  return { schema_version: schema.version, rows, reported: 0, undo_file: undoPath };
}
