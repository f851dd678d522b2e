import {
  applyRewrite, detectSchema, loadLocationMapper, openMetastore, scanFindings, undoRewrite, writeSqlScript,
  type Finding, type MappingInput, type MetastoreConnection, type MetastoreSchema,
} from '../../cutover/metastore/index.js';
import { sourceOf } from '../../cutover/metastore/scan.js';
import { assertUndoFileAbsent } from '../../cutover/metastore/undo-file.js';
import { UserError } from '../cli-error.js';
import { outputFrom, parseWholeNumber } from '../common-options.js';
import { EXIT } from '../exit-codes.js';

/** The actions of `lakeshift cutover metastore scan|rewrite|undo` (see cutover-metastore.ts for the flags). */

function metastoreUrl(o: Record<string, unknown>): string {
  const url = o['metastore'];
  if (typeof url !== 'string' || url === '') throw new UserError('--metastore URL is required (or LAKESHIFT_METASTORE_URL), e.g. postgres://hive@db.example.com:5432/metastore.');
  return url;
}

function batchSize(o: Record<string, unknown>): number {
  return parseWholeNumber('--batch-size', typeof o['batchSize'] === 'string' ? o['batchSize'] : '2000', 1, 100_000);
}

function mappingInput(o: Record<string, unknown>): MappingInput {
  const input: MappingInput = {};
  if (Array.isArray(o['map'])) input.map = o['map'].filter((m): m is string => typeof m === 'string');
  if (typeof o['mapFile'] === 'string') input.mapFile = o['mapFile'];
  if (typeof o['plan'] === 'string') input.plan = o['plan'];
  if (typeof o['gen1Account'] === 'string') input.gen1Account = o['gen1Account'];
  if (typeof o['gen2Account'] === 'string') input.gen2Account = o['gen2Account'];
  return input;
}

async function withMetastore<T>(url: string, readOnly: boolean, fn: (conn: MetastoreConnection, schema: MetastoreSchema) => Promise<T>): Promise<T> {
  const conn = await openMetastore(url, { readOnly });
  try {
    return await fn(conn, await detectSchema(conn));
  } finally {
    await conn.close();
  }
}

function write(text: string): Promise<void> {
  return new Promise((resolve) => { if (process.stdout.write(text)) resolve(); else process.stdout.once('drain', () => resolve()); });
}

function findingLine(f: Finding): string {
  const where = `${f.object}  ${f.table}.${f.column}`;
  return f.action === 'rewrite' ? `rewrite  ${where}  ${f.location} -> ${f.replacement ?? ''}` : `report   ${where}  ${f.location}  (${f.reason ?? ''})`;
}

/** Streams findings as text lines or as one JSON object, and returns counts per table.column. */
async function printFindings(json: boolean, schema: MetastoreSchema, batches: AsyncIterable<Finding[]>): Promise<Map<string, { rewrite: number; report: number }>> {
  const counts = new Map<string, { rewrite: number; report: number }>();
  let first = true;
  if (json) await write(`{"schema_version":${JSON.stringify(schema.version)},"findings":[`);
  for await (const batch of batches) {
    const parts: string[] = [];
    for (const f of batch) {
      const c = counts.get(`${f.table}.${f.column}`) ?? { rewrite: 0, report: 0 };
      c[f.action] += 1;
      counts.set(`${f.table}.${f.column}`, c);
      parts.push(json ? `${first ? '' : ','}${JSON.stringify(f)}` : findingLine(f));
      first = false;
    }
    if (parts.length > 0) await write(json ? parts.join('') : `${parts.join('\n')}\n`);
  }
  if (json) await write(']}\n');
  return counts;
}

function summary(schema: MetastoreSchema, counts: Map<string, { rewrite: number; report: number }>): string {
  if (counts.size === 0) return `Hive ${schema.version} metastore: no Gen1 location found.\n`;
  const lines = [...counts].map(([k, c]) => `  ${k.padEnd(38)} rewrite ${String(c.rewrite).padStart(8)}   report ${String(c.report).padStart(8)}`);
  return `Hive ${schema.version} metastore, Gen1 locations per column:\n${lines.join('\n')}\n`;
}

/** `cutover metastore scan`: read-only listing of every Gen1 location. */
export async function scanMetastoreCommand(o: Record<string, unknown>): Promise<void> {
  const url = metastoreUrl(o);
  const size = batchSize(o);
  const mapper = await loadLocationMapper(mappingInput(o));
  const json = outputFrom(o) === 'json';
  await withMetastore(url, true, async (conn, schema) => {
    const counts = await printFindings(json, schema, scanFindings(conn, schema, mapper, { batchSize: size }));
    if (!json) await write(summary(schema, counts));
  });
}

function progress(phase: 'plan' | 'update', rows: number): void {
  if (process.stderr.isTTY) process.stderr.write(`\r${phase === 'plan' ? 'planned' : 'updated'} ${rows} rows   `);
}

/** `cutover metastore rewrite`: plan (default), --sql-out for a DBA, or --apply with an undo file. */
export async function rewriteMetastoreCommand(o: Record<string, unknown>): Promise<void> {
  const url = metastoreUrl(o);
  const size = batchSize(o);
  const apply = o['apply'] === true;
  const undoFile = typeof o['undoFile'] === 'string' ? o['undoFile'] : undefined;
  const sqlOut = typeof o['sqlOut'] === 'string' ? o['sqlOut'] : undefined;
  if (apply && undoFile === undefined) throw new UserError('--apply needs --undo-file FILE: the old value of every row is written there before anything changes.');
  if (apply && sqlOut !== undefined) throw new UserError('--sql-out writes the statements for a DBA instead of applying them; use it without --apply.');
  if (!apply && undoFile !== undefined) throw new UserError('--undo-file goes with --apply.');
  if (undoFile !== undefined) await assertUndoFileAbsent(undoFile);
  const mapper = await loadLocationMapper(mappingInput(o));
  const json = outputFrom(o) === 'json';
  await withMetastore(url, !apply, async (conn, schema) => {
    if (apply && undoFile !== undefined) {
      const r = await applyRewrite(conn, schema, mapper, undoFile, { batchSize: size, onProgress: progress });
      if (process.stderr.isTTY) process.stderr.write('\n');
      if (json) await write(`${JSON.stringify(r)}\n`);
      else await write(`Rewrote ${r.rows} location(s) in one transaction (Hive ${schema.version}); ${r.reported} Gen1 location(s) reported and left as they are. Undo with: lakeshift cutover metastore undo --metastore URL ${undoFile}\n`);
      return;
    }
    if (sqlOut !== undefined) {
      const n = await writeSqlScript(sqlOut, conn.dialect, schema.version, (f) => sourceOf(schema, f), scanFindings(conn, schema, mapper, { batchSize: size }));
      if (json) await write(`${JSON.stringify({ schema_version: schema.version, statements: n, sql_out: sqlOut })}\n`);
      else await write(`Wrote ${n} UPDATE statement(s) to ${sqlOut} for review; the metastore was not changed.\n`);
      return;
    }
    const counts = await printFindings(json, schema, scanFindings(conn, schema, mapper, { batchSize: size }));
    if (!json) await write(`${summary(schema, counts)}Plan only: nothing was changed. Apply with --apply --undo-file FILE, or write the SQL with --sql-out FILE.\n`);
  });
}

/** `cutover metastore undo FILE`: restores the rows an --apply changed. */
export async function undoMetastoreCommand(file: string, o: Record<string, unknown>): Promise<void> {
  const url = metastoreUrl(o);
  const size = batchSize(o);
  await withMetastore(url, false, async (conn, schema) => {
    const r = await undoRewrite(conn, schema, file, { batchSize: size, onProgress: progress });
    if (process.stderr.isTTY) process.stderr.write('\n');
    if (outputFrom(o) === 'json') await write(`${JSON.stringify(r)}\n`);
    else await write(`Restored ${r.rows} location(s) from ${file} in one transaction.\n`);
  });
  process.exitCode = EXIT.ok;
}
