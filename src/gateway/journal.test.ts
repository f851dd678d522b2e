import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgresJobDb, openSqliteJobDb, type JobDb } from '../state/db.js';
import { TEST_PG_URL, testPgProblem } from '../state/test-support.js';
import { openJournal } from './journal.js';

const pgProblem = await testPgProblem('the gateway journal on PostgreSQL');
const schema = `lakeshift_gw_${process.pid}_${Date.now().toString(36)}`;
const dir = mkdtempSync(join(tmpdir(), 'lakeshift-journal-'));

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (pgProblem !== undefined) return;
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
});

const dialects: [string, () => Promise<JobDb>, boolean][] = [
  ['SQLite', () => openSqliteJobDb(dir), false],
  ['PostgreSQL', () => openPostgresJobDb({ connectionString: TEST_PG_URL, schema }), pgProblem !== undefined],
];

describe.each(dialects)('gateway journal on %s', (_name, open, skip) => {
  it.skipIf(skip)('keeps intents until applied, recovers pending ones, and keeps first-seen drift times', async () => {
    const jobDb = await open();
    try {
      const j = await openJournal(jobDb);
      await openJournal(jobDb); // create-if-missing: idempotent
      const a = await j.record('p', 'CREATE', 'x/a');
      const b = await j.record('p', 'RENAME', 'x/b', 'y/b');
      await j.record('other', 'DELETE', 'z');
      expect(await j.due('p', 10)).toEqual([]);
      await j.markReady(a);
      expect((await j.due('p', 10)).map((i) => i.id)).toEqual([a]);
      // A process that died while Gen1 answered: its pending intent becomes due at the next start.
      expect(await j.recoverPending('p')).toBe(1);
      await j.retryLater(a, 1, 'Gen2 down', Date.now() + 60_000);
      expect((await j.due('p', 10)).map((i) => [i.id, i.path2])).toEqual([[b, 'y/b']]);
      expect(await j.backlog('p')).toMatchObject({ count: 2, paths: ['x/a', 'x/b', 'y/b'] });
      await j.retryAllNow('p');
      const due = await j.due('p', 10);
      expect(due.map((i) => [i.id, i.attempts, i.lastError])).toEqual([[a, 1, 'Gen2 down'], [b, 0, null]]);
      await j.done([a, b]);
      expect((await j.backlog('p')).count).toBe(0);
      expect((await j.backlog('other')).count).toBe(1);

      const t0 = 1_000_000;
      const first = await j.observeDrift('p', [{ path: 'a', kind: 'missing', detail: 'd1' }, { path: 'b', kind: 'acl', detail: 'd2' }], t0);
      expect(first.get('a\nmissing')).toBe(t0);
      const second = await j.observeDrift('p', [{ path: 'a', kind: 'missing', detail: 'd1' }], t0 + 5000);
      expect(second.get('a\nmissing')).toBe(t0);
      const third = await j.observeDrift('p', [{ path: 'b', kind: 'acl', detail: 'again' }], t0 + 9000);
      expect(third.get('b\nacl')).toBe(t0 + 9000);
      expect(third.has('a\nmissing')).toBe(false);
    } finally {
      await jobDb.close();
    }
  });
});
