import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DecommissionCondition } from './types.js';

/**
 * Conditions that apply only when the caller gives their input (ctx.flags): without it they are
 * listed as not checked, never failed and never passed. Their code is loaded when they run.
 */

/** `lakeshift gateway mirror` left no drift older than the settle window and an empty journal. */
export const gatewayDriftCondition: DecommissionCondition = {
  id: 'no-drift',
  title: 'No drift older than the settle window, and no unmirrored change in the gateway journal',
  async check(ctx) {
    const given = ctx.flags['gateway'];
    if (given === undefined || given === false) {
      return { ok: false, notChecked: true, evidence: 'not checked: no gateway input given', hint: 'if workloads wrote through lakeshift gateway mirror, pass --gateway (its journal in this job database) or --gateway STATE-DIR (the mirror\'s --state-dir)' };
    }
    const { driftCondition } = await import('../../gateway/decommission-condition.js');
    if (given === true) return driftCondition.check(ctx);
    const dir = resolve(String(given));
    // The CLI refuses a directory without a job database; a library caller gets a failed condition.
    if (!existsSync(join(dir, 'jobs.db'))) return { ok: false, evidence: `no job database (jobs.db) in ${dir}: the gateway journal cannot be read`, hint: 'pass the --state-dir that lakeshift gateway mirror ran with' };
    const { openSqliteJobDb } = await import('../../state/db.js');
    const jobDb = await openSqliteJobDb(dir);
    try {
      return await driftCondition.check({ ...ctx, jobDb });
    } finally {
      await jobDb.close();
    }
  },
};

/** No database, table, partition, function or datasource location in the Hive metastore points at Gen1. */
export const metastoreCondition: DecommissionCondition = {
  id: 'metastore-no-gen1',
  title: 'The Hive metastore has no Gen1 location',
  async check(ctx) {
    const url = ctx.flags['metastore'];
    if (typeof url !== 'string' || url === '') {
      return { ok: false, notChecked: true, evidence: 'not checked: no metastore given', hint: 'if Hive, Spark or Databricks tables were defined on Gen1, pass --metastore postgres://... or mysql://... (or set LAKESHIFT_METASTORE_URL)' };
    }
    const { metastoreHasNoGen1 } = await import('../metastore/decommission.js');
    const r = await metastoreHasNoGen1(url);
    return { ok: r.ok, evidence: r.evidence, ...(r.hint === undefined ? {} : { hint: r.hint }) };
  },
};
