import type { JobDb } from '../../state/db.js';

/**
 * Whether the job database has a table (bisync, gateway and cutover create theirs on first use). The
 * dashboard only reads: it never creates another feature's tables, so a missing table means that
 * feature has recorded nothing yet.
 */
export async function hasTables(jobDb: JobDb, names: readonly string[]): Promise<boolean> {
  const tables = await jobDb.db.introspection.getTables();
  return names.every((n) => tables.some((t) => t.name === n));
}

/** JSON text written by lakeshift itself; an unreadable record becomes null rather than a 500. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
