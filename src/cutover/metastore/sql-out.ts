import { open } from 'node:fs/promises';
import { StorageError } from '../../core/errors.js';
import type { Dialect } from './dialect.js';
import type { Finding } from './scan.js';
import type { LocationSource } from './sources.js';

/** One UPDATE a DBA can read: the new value, the row's key, and the planned old value. */
export function rowUpdateSql(d: Dialect, source: Pick<LocationSource, 'table' | 'column' | 'keys'>, key: Record<string, string>, oldValue: string, newValue: string): string {
  const conds = source.keys.map((k) => {
    const v = key[k.name] ?? '';
    if (k.type === 'int' && !/^-?\d+$/.test(v)) throw new StorageError('invalid-argument', `${source.table}.${k.name} value '${v}' is not a whole number.`);
    return `${d.id(k.name)} = ${k.type === 'int' ? v : d.literal(v)}`;
  });
  conds.push(d.exactEquals(d.id(source.column), d.literal(oldValue)));
  return `UPDATE ${d.id(source.table)} SET ${d.id(source.column)} = ${d.literal(newValue)} WHERE ${conds.join(' AND ')};`;
}

function scriptHead(d: Dialect, schemaVersion: string): string[] {
  const lines = [
    `-- lakeshift cutover metastore rewrite: Gen1 locations -> Gen2 (${d.name}, Hive schema ${schemaVersion}).`,
    '-- Each UPDATE changes one row and only while it still holds the planned old value: an UPDATE',
    '-- that reports 0 rows means the row changed since this plan; then ROLLBACK and plan again.',
  ];
  if (d.name === 'postgres') lines.push('SET standard_conforming_strings = on;', 'BEGIN;');
  else if (d.name === 'mysql') lines.push('-- Literals escape backslashes: run with the default sql_mode (not NO_BACKSLASH_ESCAPES).', 'SET NAMES utf8mb4;', 'START TRANSACTION;');
  else lines.push('SET XACT_ABORT ON;', 'BEGIN TRANSACTION;');
  return lines;
}

/** Writes the DBA script for a stream of findings (refuses an existing file); returns the UPDATE count. */
export async function writeSqlScript(path: string, d: Dialect, schemaVersion: string, sourceFor: (f: Finding) => LocationSource | undefined, batches: AsyncIterable<Finding[]>): Promise<number> {
  let handle;
  try {
    handle = await open(path, 'wx');
  } catch (error) {
    throw new StorageError('invalid-argument', `Cannot create --sql-out ${path}: ${(error as { code?: string }).code === 'EEXIST' ? 'it already exists' : (error as Error).message}.`);
  }
  let count = 0;
  try {
    await handle.write(`${scriptHead(d, schemaVersion).join('\n')}\n`);
    for await (const batch of batches) {
      const lines: string[] = [];
      for (const f of batch) {
        const source = sourceFor(f);
        if (f.action !== 'rewrite' || f.replacement === undefined || source === undefined) continue;
        lines.push(`-- ${f.object}`, rowUpdateSql(d, source, f.key, f.location, f.replacement));
        count += 1;
      }
      if (lines.length > 0) await handle.write(`${lines.join('\n')}\n`);
    }
    await handle.write(d.name === 'mssql' ? 'COMMIT TRANSACTION;\n' : 'COMMIT;\n');
    await handle.sync();
  } finally {
    await handle.close();
  }
  return count;
}
