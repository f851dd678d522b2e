import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLocation, type MemoryLocation } from '../../src/core/uri.js';
import { acquireLease } from '../../src/patterns/bisync/lease.js';
import { isBisyncStop } from '../../src/patterns/bisync/errors.js';
import { runBisync } from '../../src/patterns/bisync/run.js';
import { pairIdOf } from '../../src/patterns/bisync/state.js';
import { bisyncDb } from '../../src/patterns/bisync/tables.js';
import { openPostgresJobDb, type JobDb } from '../../src/state/db.js';
import { TEST_PG_URL, testPgProblem } from '../../src/state/test-support.js';
import { createMemoryStore, dropMemoryStore } from '../../src/stores/memory/index.js';
import { runScenario } from './harness.js';
import { SCENARIOS } from './scenarios.js';

const problem = await testPgProblem('the bisync-on-PostgreSQL test');

/** The bisync tables and fenced writes on the PostgreSQL job database (same DDL and queries as SQLite). */
describe.skipIf(problem !== undefined)('bisync with the job database on PostgreSQL', () => {
  const schema = `lakeshift_bisync_${process.pid}_${Date.now().toString(36)}`;
  let jobDb: JobDb;
  beforeAll(async () => {
    jobDb = await openPostgresJobDb({ connectionString: TEST_PG_URL, schema });
  });
  afterAll(async () => {
    await jobDb?.close();
    const client = new pg.Client({ connectionString: TEST_PG_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  const chosen = SCENARIOS.filter((s) => /^(02|04a|05|07|17) /.test(s.name));
  for (const sc of chosen) {
    it(sc.name, async () => {
      const id = sc.name.split(' ')[0] ?? 'x';
      const names = [`bisync-pg-${id}-1`, `bisync-pg-${id}-2`];
      const [p1, p2] = names.map((n) => createMemoryStore(parseLocation(`memory://${n}/`) as MemoryLocation));
      if (p1 === undefined || p2 === undefined) throw new Error('stores');
      try {
        await runScenario({ label: 'memory on PostgreSQL', p1, p2, jobDb }, sc);
      } finally {
        for (const n of names) dropMemoryStore(n);
      }
    });
  }

  it('a held lease refuses a second run (row-locked fence)', async () => {
    const p1 = createMemoryStore(parseLocation('memory://bisync-pg-lease-1/') as MemoryLocation);
    const p2 = createMemoryStore(parseLocation('memory://bisync-pg-lease-2/') as MemoryLocation);
    await runBisync({ path1: p1, path2: p2, jobDb, resync: true, settleMs: 0 });
    await acquireLease(await bisyncDb(jobDb), pairIdOf(p1.displayUri, p2.displayUri), { ttlMs: 60_000, waitMs: 0, owner: 'pg-other:1', now: Date.now });
    await expect(runBisync({ path1: p1, path2: p2, jobDb, settleMs: 0 })).rejects.toSatisfy((e) => isBisyncStop(e, 'locked'));
  });
});
