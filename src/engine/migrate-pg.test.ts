import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../core/store.js';
import { openPostgresJobDb, type JobDb } from '../state/db.js';
import { createMemoryStore, dropMemoryStore } from '../stores/memory/index.js';
import { runMigration } from './migrate.js';
import { TEST_PG_URL as PG_URL, testPgProblem } from '../state/test-support.js';

const problem = await testPgProblem('the engine-on-PostgreSQL test');

/** The engine runs unchanged on the PostgreSQL job database (same schema and queries as SQLite). */
describe.skipIf(problem !== undefined)('runMigration with the job database on PostgreSQL', () => {
  const schema = `lakeshift_engine_${process.pid}_${Date.now().toString(36)}`;
  const names = [`pg-src-${process.pid}`, `pg-dst-${process.pid}`];
  let jobDb: JobDb;
  beforeAll(async () => {
    jobDb = await openPostgresJobDb({ connectionString: PG_URL, schema });
  });
  afterAll(async () => {
    await jobDb?.close();
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
    for (const n of names) dropMemoryStore(n);
  });

  it('copies, then finds everything unchanged on the rerun', async () => {
    const [s, d] = names.map((name): Store => createMemoryStore({ kind: 'memory', name: name ?? '', path: '' }));
    if (s === undefined || d === undefined) throw new Error('stores');
    for (let i = 0; i < 25; i++) {
      const w = await s.createWriter(`dir${i % 5}/f${i}.txt`);
      await w.write(0, Buffer.from(`file ${i}`));
      await w.commit({ size: Buffer.byteLength(`file ${i}`) });
    }
    const first = await runMigration({ source: s, dest: d, jobDb, concurrency: 4 });
    expect(first.status).toBe('completed');
    expect(first.files.copied).toBe(25);
    expect(first.directories.created).toBe(5);
    const second = await runMigration({ source: s, dest: d, jobDb });
    expect(second.jobId).toBe(first.jobId);
    expect(second.files.unchanged).toBe(25);
    expect(second.files.copied).toBe(0);
  });
});
