import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLocation, type MemoryLocation } from '../../src/core/uri.js';
import { acquireLease } from '../../src/patterns/bisync/lease.js';
import { isBisyncStop } from '../../src/patterns/bisync/errors.js';
import { runBisync } from '../../src/patterns/bisync/run.js';
import { pairIdOf, putBaseline } from '../../src/patterns/bisync/state.js';
import { bisyncDb, type BisyncKysely } from '../../src/patterns/bisync/tables.js';
import { pathKey } from '../../src/state/items.js';
import { openPostgresJobDb, type JobDb } from '../../src/state/db.js';
import { TEST_PG_URL, testPgProblem } from '../../src/state/test-support.js';
import { createMemoryStore, dropMemoryStore } from '../../src/stores/memory/index.js';
import { runScenario, type Scenario } from './harness.js';
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

  // Paths past PostgreSQL's btree key limit (~2,700 bytes): the baseline is keyed by pathKey, a bounded
  // prefix plus the SHA-1, and the full path is compared after each lookup.
  // Incompressible (PostgreSQL compresses long index keys, so a repeated character would fit anyway).
  const seg = (i: number): string => `${[0, 1, 2].map((k) => createHash('sha512').update(`seg ${i} ${k}`).digest('base64url')).join('').slice(0, 200)}\u00e9`;
  const long = Array.from({ length: 20 }, (_, i) => seg(i)).join('/');
  const longDir = long.slice(0, long.lastIndexOf('/'));
  const longSc: Scenario = {
    name: 'long paths (over 4,000 bytes): resync, one-sided change, rename, delete on one side and on both',
    initial1: { [`${long}/f1.txt`]: 'one', [`${long}/f2.txt`]: 'two', [`${long}/f3.txt`]: 'three', 'short.txt': 's' },
    steps: [
      { edits: [{ write: 2, path: `${long}/f1.txt`, data: 'one, changed on path2' }], expect: { planned: { copy: 1 }, side1: { [`${long}/f1.txt`]: 'one, changed on path2', [`${long}/f2.txt`]: 'two', [`${long}/f3.txt`]: 'three', 'short.txt': 's' } } },
      { edits: [{ rename: 1, from: `${long}/f2.txt`, to: `${longDir}/moved-f2.txt` }], run: { maxDeleteCount: 0 }, expect: { planned: { rename: 1, delete: 0, copy: 0 } } },
      { edits: [{ delete: 1, path: `${long}/f3.txt` }, { delete: 1, path: `${long}/f1.txt` }, { delete: 2, path: `${long}/f1.txt` }], run: { maxDeletePercent: 100 }, expect: {
        planned: { delete: 1, drop: 1 }, both: { [`${longDir}/moved-f2.txt`]: 'two', 'short.txt': 's' },
        state: [`file ${longDir}/moved-f2.txt 3 3 md5`, 'file short.txt 1 1 md5'].sort(),
      } },
      { expect: { planned: { copy: 0, delete: 0, drop: 0, rename: 0 } } },
    ],
  };

  it('long paths are keyed under the btree limit', () => {
    expect(Buffer.byteLength(`${long}/f1.txt`)).toBeGreaterThan(4000);
  });

  const chosen = [...SCENARIOS.filter((s) => /^(02|04a|05|07|07b|17) /.test(s.name)), longSc];
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

  it('brings a baseline table made before path_key up to date: the old primary key goes, long paths fit', async () => {
    const oldSchema = `${schema}_old`;
    const old = await openPostgresJobDb({ connectionString: TEST_PG_URL, schema: oldSchema });
    try {
      const raw = old.db as unknown as BisyncKysely;
      await sql`CREATE TABLE bisync_entry (pair_id text NOT NULL, path text NOT NULL, kind text NOT NULL, p1_size bigint NOT NULL, p1_mtime_ms bigint NOT NULL, p1_version text, p2_size bigint NOT NULL, p2_mtime_ms bigint NOT NULL, p2_version text, content_md5 text, synced_run text NOT NULL, CONSTRAINT bisync_entry_pk PRIMARY KEY (pair_id, path))`.execute(raw);
      await sql`INSERT INTO bisync_entry VALUES ('pair', 'old.txt', 'file', 3, 1000, null, 3, 1000, null, null, 'run0')`.execute(raw);
      const db = await bisyncDb(old);
      const side = { size: 4, mtimeMs: 1, version: null };
      await db.transaction().execute((trx) => putBaseline(trx, 'pair', 'run1', [{ path: 'old.txt', kind: 'file', s1: side, s2: side, md5: null }, { path: `${long}/f.txt`, kind: 'file', s1: side, s2: side, md5: null }]));
      const rows = await db.selectFrom('bisync_entry').select(['path', 'path_key', 'p1_size']).orderBy('p1_size').execute();
      expect(rows.map((r) => [r.path === 'old.txt' ? r.path : 'long', r.path_key === pathKey(r.path), r.p1_size])).toEqual([['old.txt', true, 4], ['long', true, 4]]);
    } finally {
      await old.close();
      const client = new pg.Client({ connectionString: TEST_PG_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${oldSchema} CASCADE`);
      await client.end();
    }
  });

  it('a held lease refuses a second run (row-locked fence)', async () => {
    const p1 = createMemoryStore(parseLocation('memory://bisync-pg-lease-1/') as MemoryLocation);
    const p2 = createMemoryStore(parseLocation('memory://bisync-pg-lease-2/') as MemoryLocation);
    await runBisync({ path1: p1, path2: p2, jobDb, resync: true, settleMs: 0 });
    await acquireLease(await bisyncDb(jobDb), pairIdOf(p1.displayUri, p2.displayUri), { ttlMs: 60_000, waitMs: 0, owner: 'pg-other:1', now: Date.now });
    await expect(runBisync({ path1: p1, path2: p2, jobDb, settleMs: 0 })).rejects.toSatisfy((e) => isBisyncStop(e, 'locked'));
  });
});
