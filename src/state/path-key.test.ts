import pg from 'pg';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgresJobDb, openSqliteJobDb, type JobDb } from './db.js';
import { countItems, findItems, insertItems, PATH_KEY_MAX, pathKey, type NewItem } from './items.js';
import { createJob } from './jobs.js';
import { TEST_PG_URL as PG_URL, testPgProblem } from './test-support.js';

const pgProblem = await testPgProblem('the PostgreSQL path-key tests');

const item = (relPath: string, size = 1): NewItem => ({ dataset: 'd', relPath, kind: 'file', action: 'copy', state: 'pending', size, mtimeMs: 1, seenRun: 1 });

const long = (fill: string, tail: string): string => `${fill.repeat(Math.ceil(PATH_KEY_MAX / fill.length) + 1).slice(0, PATH_KEY_MAX + 10)}/${tail}`;

describe('pathKey', () => {
  it('is the path itself up to PATH_KEY_MAX code units', () => {
    expect(pathKey('')).toBe('');
    expect(pathKey('raw/2024/a b%#?.csv')).toBe('raw/2024/a b%#?.csv');
    const max = 'x'.repeat(PATH_KEY_MAX);
    expect(pathKey(max)).toBe(max);
  });

  it('keeps a prefix of a longer path and adds the SHA-1 of the whole path, so paths with one prefix stay apart', () => {
    const a = long('deep/', 'a.parquet');
    const b = long('deep/', 'b.parquet');
    expect(pathKey(a)).toBe(`${a.slice(0, PATH_KEY_MAX)}\n${createHash('sha1').update(a).digest('hex')}`);
    expect(pathKey(a)).not.toBe(pathKey(b));
    expect(pathKey(a).length).toBeGreaterThan(PATH_KEY_MAX + 40);
    // A short path never equals a long path's key: short keys are at most PATH_KEY_MAX units long.
    expect(pathKey('x'.repeat(PATH_KEY_MAX + 1)).length).toBe(PATH_KEY_MAX + 41);
  });

  it('does not split a surrogate pair at the cut', () => {
    const path = `${'a'.repeat(PATH_KEY_MAX - 1)}\u{1F600}${'b'.repeat(20)}`;
    expect(pathKey(path)).toBe(`${'a'.repeat(PATH_KEY_MAX - 1)}\n${createHash('sha1').update(path).digest('hex')}`);
  });

  it('orders keys of a walk like the walk, so a scan appends to the index', () => {
    const walk = ['a', 'a/x.csv', 'a/y.csv', 'b', 'b/z.csv'];
    expect(walk.map(pathKey)).toEqual([...walk].map(pathKey).sort());
  });
});

function keyContract(name: string, open: () => Promise<{ jobDb: JobDb; reopen(): Promise<JobDb>; rawExec(sql: string): Promise<void>; cleanup(): Promise<void> }>, skip: boolean): void {
  describe.skipIf(skip)(`item keys on ${name}`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterAll(async () => {
      for (const c of cleanups.reverse()) await c();
    });

    it('inserts, finds and deduplicates long paths and paths that share a long prefix', async () => {
      const { jobDb, cleanup } = await open();
      cleanups.push(cleanup, () => jobDb.close());
      await createJob(jobDb, { id: 'job-long', jobKey: 'kl', kind: 'migrate', source: 's', dest: 'd', options: {} });
      const paths = [long('deep/', 'a.parquet'), long('deep/', 'b.parquet'), long('\u00e9t\u00e9/', 'c'), 'short.csv', ''];
      await insertItems(jobDb, 'job-long', paths.map((p) => item(p)));
      await insertItems(jobDb, 'job-long', paths.map((p) => item(p, 2)));
      expect((await countItems(jobDb, 'job-long'))[0]?.count).toBe(paths.length);
      const found = await findItems(jobDb, 'job-long', 'd', paths);
      expect([...found.keys()].sort()).toEqual([...paths].sort());
      expect([...found.values()].every((r) => r.size === 1)).toBe(true);
    });

    it('re-keys a database written with SHA-1 keys when it is opened, without duplicating rows on a rescan', async () => {
      const { jobDb, reopen, rawExec, cleanup } = await open();
      cleanups.push(cleanup);
      await createJob(jobDb, { id: 'job-old', jobKey: 'ko', kind: 'migrate', source: 's', dest: 'd', options: {} });
      // A root item and a file named like the root's old key: re-keying must not trip the unique index.
      const sha1Empty = createHash('sha1').update('').digest('hex');
      const paths = ['', sha1Empty, 'a', 'a/b.csv', long('deep/', 'x')];
      await insertItems(jobDb, 'job-old', paths.map((p) => item(p)));
      await rawExec('DROP INDEX items_path');
      for (const p of paths) {
        const old = createHash('sha1').update(p).digest('hex');
        await rawExec(`UPDATE items SET path_hash = '${old}' WHERE rel_path = '${p}'`);
      }
      await jobDb.close();
      const upgraded = await reopen();
      cleanups.push(() => upgraded.close());
      const found = await findItems(upgraded, 'job-old', 'd', paths);
      expect([...found.keys()].sort()).toEqual([...paths].sort());
      await insertItems(upgraded, 'job-old', paths.map((p) => item(p, 2)));
      expect((await countItems(upgraded, 'job-old'))[0]?.count).toBe(paths.length);
      // The unique index is back.
      await rawExec(`INSERT INTO items (job_id, dataset, rel_path, path_hash, kind, action, state, size, mtime_ms, seen_run, created_at, updated_at)
        VALUES ('job-old', 'd', 'dup', 'a', 'file', 'copy', 'pending', 0, 0, 1, 0, 0)`).then(
        () => expect.fail('a duplicate key was accepted'),
        (error: Error) => expect(error.message).toMatch(/unique|UNIQUE/),
      );
    });
  });
}

keyContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lakeshift-keys-'));
  let current = await openSqliteJobDb(dir);
  return {
    jobDb: current,
    reopen: async () => (current = await openSqliteJobDb(dir)),
    rawExec: async (sql) => {
      current.sqlite?.exec(sql);
    },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}, false);

keyContract('PostgreSQL', async () => {
  const schema = `lakeshift_keys_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  const client = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
  const jobDb = await openPostgresJobDb({ connectionString: PG_URL, schema });
  await client.connect();
  return {
    jobDb,
    reopen: () => openPostgresJobDb({ connectionString: PG_URL, schema }),
    rawExec: async (sql) => {
      await client.query(sql);
    },
    cleanup: async () => {
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    },
  };
}, pgProblem !== undefined);
