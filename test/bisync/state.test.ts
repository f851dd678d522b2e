import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { baselineReader, loadBaseline, putBaseline, seenRows } from '../../src/patterns/bisync/state.js';
import { bisyncDb, type BisyncKysely } from '../../src/patterns/bisync/tables.js';
import { openSqliteJobDb, type JobDb } from '../../src/state/db.js';
import { pathKey } from '../../src/state/items.js';
import { baselineRow } from './harness.js';

/**
 * The baseline as the run reads it from the job database: lookups by pathKey, the rows a listing did
 * not meet, and a table made before path_key (primary key on the path) brought up to date.
 */
describe('bisync baseline in the job database (SQLite)', () => {
  let dir = '';
  let jobDb: JobDb | undefined;
  afterEach(async () => {
    await jobDb?.close();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  const row = baselineRow;

  it('looks rows up by path, counts them, lists those under a directory and those a run did not meet', async () => {
    dir = mkdtempSync(join(tmpdir(), 'lakeshift-bisync-state-'));
    jobDb = await openSqliteJobDb(dir);
    const db: BisyncKysely = await bisyncDb(jobDb);
    const long = `${'x'.repeat(300)}/${'\u00e9'.repeat(300)}`;
    const paths = ['a.txt', 'd/b.txt', 'd/e/c.txt', 'd-x/f.txt', `${long}/1`, `${long}/2`];
    await db.transaction().execute((trx) => putBaseline(trx, 'pair', 'run0', paths.map((p, i) => row(p, i))));
    const reader = baselineReader(db, 'pair');
    expect(await reader.count()).toEqual({ rows: 6, files: 6 });
    const found = await reader.lookup(['d/b.txt', `${long}/2`, 'absent.txt']);
    expect([...found.keys()].sort()).toEqual(['d/b.txt', `${long}/2`].sort());
    expect(found.get(`${long}/2`)?.s1.size).toBe(5);
    expect((await reader.under('d')).map((b) => b.path).sort()).toEqual(['d/b.txt', 'd/e/c.txt']);
    expect(await reader.filesUnder(long)).toBe(2);
    expect(await reader.get(`${long}/1`)).toMatchObject({ path: `${long}/1` });
    const seen = await seenRows(db, 'pair', 'run1', Date.now());
    await seen.add(['a.txt', 'd/e/c.txt', `${long}/1`]);
    const missing: string[] = [];
    for await (const page of seen.missing()) missing.push(...page.map((b) => b.path));
    expect(missing.sort()).toEqual(['d-x/f.txt', 'd/b.txt', `${long}/2`].sort());
    await seen.clear();
    expect((await db.selectFrom('bisync_seen').selectAll().execute()).length).toBe(0);
  });

  it('brings a table made before path_key up to date, keeping its rows', async () => {
    dir = mkdtempSync(join(tmpdir(), 'lakeshift-bisync-state-'));
    jobDb = await openSqliteJobDb(dir);
    const raw = jobDb.db as unknown as BisyncKysely;
    await sql`CREATE TABLE bisync_entry (pair_id text NOT NULL, path text NOT NULL, kind text NOT NULL, p1_size bigint NOT NULL, p1_mtime_ms bigint NOT NULL, p1_version text, p2_size bigint NOT NULL, p2_mtime_ms bigint NOT NULL, p2_version text, content_md5 text, synced_run text NOT NULL, CONSTRAINT bisync_entry_pk PRIMARY KEY (pair_id, path))`.execute(raw);
    const long = 'y'.repeat(200);
    for (const p of ['old.txt', long]) await sql`INSERT INTO bisync_entry VALUES ('pair', ${p}, 'file', 3, 1000, null, 3, 1000, null, null, 'run0')`.execute(raw);
    const db = await bisyncDb(jobDb);
    const keys = await db.selectFrom('bisync_entry').select(['path', 'path_key']).orderBy('path').execute();
    expect(keys).toEqual([{ path: 'old.txt', path_key: 'old.txt' }, { path: long, path_key: pathKey(long) }]);
    // Upserts land on the old rows (same key), not beside them.
    await db.transaction().execute((trx) => putBaseline(trx, 'pair', 'run1', [row('old.txt', 9), row('new.txt')]));
    const rows = await loadBaseline(db, 'pair');
    expect([...rows.keys()].sort()).toEqual(['new.txt', 'old.txt', long].sort());
    expect(rows.get('old.txt')?.s1.size).toBe(9);
  });
});
