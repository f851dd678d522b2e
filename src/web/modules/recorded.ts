import { sql } from 'kysely';
import type { JobDb } from '../../state/db.js';

/**
 * Whether the job database has a table (bisync, gateway and cutover create theirs on first use). The
 * dashboard only reads: it never creates another feature's tables, so a missing table means that
 * feature has recorded nothing yet.
 */
export async function hasTables(jobDb: JobDb, names: readonly string[]): Promise<boolean> {
  for (const name of names) {
    // PostgreSQL: resolved through the job database's search_path (its own schema), not any schema's table of that name.
    const query = jobDb.dialect === 'postgres'
      ? sql<{ found: number }>`select count(*)::int as found from (select to_regclass(${name}) as t) r where r.t is not null`
      : sql<{ found: number }>`select count(*) as found from sqlite_master where type = 'table' and name = ${name}`;
    const { rows } = await query.execute(jobDb.db);
    if (Number(rows[0]?.found ?? 0) === 0) return false;
  }
  return true;
}

/** JSON text written by lakeshift itself; an unreadable record becomes null rather than a 500. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
