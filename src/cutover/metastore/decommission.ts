import { openMetastore } from './connection.js';
import { mapperFrom, looksGen1 } from './location-mapping.js';
import { scanFindings, type Finding } from './scan.js';
import { detectSchema } from './schema.js';

export interface MetastoreCondition {
  /** True when no location of the metastore points at Gen1. */
  ok: boolean;
  /** Gen1 locations found (counted up to `limit`). */
  remaining: number;
  /** The first few, for the report. */
  examples: Finding[];
  /** One line for the decommission report (the shape of the decommission check's conditions). */
  evidence: string;
  /** What to run when locations remain. */
  hint?: string;
}

/**
 * The decommission check's metastore condition: connects read-only and reports whether any
 * database, table, partition, function, skewed-value or datasource `path` location still points at
 * Gen1. Throws StorageError when the database cannot be reached or is not a Hive metastore.
 */
export async function metastoreHasNoGen1(url: string, o: { limit?: number } = {}): Promise<MetastoreCondition> {
  const limit = o.limit ?? 1000;
  const conn = await openMetastore(url, { readOnly: true });
  try {
    const schema = await detectSchema(conn);
    const mapper = mapperFrom((location) => (looksGen1(location) ? { kind: 'gen1', action: 'report', reason: 'Gen1 location' } : { kind: 'not-gen1' }));
    let remaining = 0;
    const examples: Finding[] = [];
    for await (const batch of scanFindings(conn, schema, mapper)) {
      for (const f of batch) if (examples.length < 10) examples.push(f);
      remaining += batch.length;
      if (remaining >= limit) break;
    }
    const evidence = remaining === 0
      ? `metastore ${conn.where} (Hive ${schema.version}): no Gen1 location`
      : `metastore ${conn.where} (Hive ${schema.version}): ${remaining >= limit ? `at least ${limit}` : remaining} Gen1 location(s) remain, e.g. ${examples.slice(0, 3).map((f) => `${f.object} ${f.table}.${f.column}`).join(', ')}`;
    if (remaining === 0) return { ok: true, remaining, examples, evidence };
    return { ok: false, remaining, examples, evidence, hint: `lakeshift cutover metastore rewrite --metastore ${conn.where} --map-file MAP --apply --undo-file FILE (reported ones by hand)` };
  } finally {
    await conn.close();
  }
}
