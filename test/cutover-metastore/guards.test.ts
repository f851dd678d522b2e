import { spawn } from 'node:child_process';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../../src/cli/test-support.js';
import { applyPlan, detectSchema, loadLocationMapper, openMetastore, planRewrite } from '../../src/cutover/metastore/index.js';
import { isStorageError } from '../../src/core/errors.js';
import { createMetastore, locationRows, MAP, MYSQL_ADMIN_URL, seedMetastore, serverProblem } from './metastore-fixtures.js';

/** What must never happen: a change to a row that moved since the plan, a half-applied run, a write on bad input. */
const pgProblem = await serverProblem('postgres', 'the PostgreSQL metastore guard tests');
const mysqlProblem = await serverProblem('mysql', 'the MariaDB credential test');
const ROOT = join(import.meta.dirname, '..', '..');

let tmp = '';
beforeAll(async () => { tmp = await mkdtemp(join(tmpdir(), 'ls-msg-')); });
afterAll(async () => { await rm(tmp, { recursive: true, force: true }); });

const exists = (p: string) => access(p).then(() => true, () => false);

describe.skipIf(pgProblem !== undefined)('metastore rewrite guards (PostgreSQL)', () => {
  it('refuses to apply a plan whose rows changed since it was written, and changes nothing', async () => {
    const ms = await createMetastore('postgres', '4.0.0');
    try {
      await seedMetastore(ms);
      const conn = await openMetastore(ms.url);
      try {
        const schema = await detectSchema(conn);
        const plan = join(tmp, `plan-${ms.database}.jsonl`);
        const { rows } = await planRewrite(conn, schema, await loadLocationMapper({ map: [MAP] }), plan, { batchSize: 3 });
        expect(rows).toBe(10);
        await ms.exec(`UPDATE "SDS" SET "LOCATION" = 'adl://contoso.azuredatalakestore.net/moved/by/hand' WHERE "SD_ID" = 2`);
        const before = await locationRows(ms);
        const error = await applyPlan(conn, schema, plan, { batchSize: 3 }).then(() => undefined, (e: unknown) => e);
        expect(isStorageError(error, 'precondition-failed')).toBe(true);
        expect((error as Error).message).toContain('SDS.LOCATION SD_ID=2 (sales.orders/ds=2020-01-01)');
        expect((error as Error).message).toContain('found "adl://contoso.azuredatalakestore.net/moved/by/hand"');
        expect(await locationRows(ms)).toEqual(before);
      } finally {
        await conn.close();
      }
    } finally {
      await ms.close();
    }
  });

  it('undo refuses (and restores nothing) when a rewritten row was changed afterwards', async () => {
    const ms = await createMetastore('postgres', '3.1.0');
    try {
      await seedMetastore(ms);
      const undoFile = join(tmp, `undo-${ms.database}.jsonl`);
      expect((await runCliCaptured(['cutover', 'metastore', 'rewrite', '--metastore', ms.url, '--map', MAP, '--apply', '--undo-file', undoFile])).code).toBe(0);
      await ms.exec(`UPDATE "FUNC_RU" SET "RESOURCE_URI" = 'abfss://other@x.dfs.core.windows.net/udf.jar' WHERE "FUNC_ID" = 1 AND "INTEGER_IDX" = 0`);
      const before = await locationRows(ms);
      const r = await runCliCaptured(['cutover', 'metastore', 'undo', '--metastore', ms.url, undoFile]);
      expect(r.code).toBe(1);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toContain('FUNC_RU.RESOURCE_URI FUNC_ID=1,INTEGER_IDX=0 (sales.myudf)');
      expect(await locationRows(ms)).toEqual(before);
    } finally {
      await ms.close();
    }
  });

  it('a run killed inside its transaction leaves every row as it was', async () => {
    const ms = await createMetastore('postgres', '2.3.0');
    try {
      await seedMetastore(ms);
      const before = await locationRows(ms);
      // Hold a row lock on a row the rewrite reaches late, so the run is caught mid-transaction.
      await ms.exec('BEGIN');
      await ms.exec(`SELECT 1 FROM "SDS" WHERE "SD_ID" = 6 FOR UPDATE`);
      const undoFile = join(tmp, `kill-${ms.database}.jsonl`);
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'cutover', 'metastore', 'rewrite', '--metastore', ms.url, '--map', MAP, '--apply', '--undo-file', undoFile, '--batch-size', '1'], { cwd: ROOT, stdio: 'ignore' });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      let waiting = 0;
      for (let i = 0; i < 300 && waiting === 0; i += 1) {
        await new Promise((r) => setTimeout(r, 100));
        // pg_stat_activity is a per-transaction snapshot; this transaction holds the lock, so clear it.
        await ms.exec('SELECT pg_stat_clear_snapshot()');
        const rows = await ms.exec(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        waiting = Number(rows[0]?.['n'] ?? 0);
      }
      expect(waiting).toBe(1);
      // By now the run has updated the database and earlier storage descriptors in its open transaction.
      const open = await ms.exec(`SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() AND l.locktype = 'transactionid' AND l.granted`);
      expect(Number(open[0]?.['n'] ?? 0)).toBeGreaterThan(0);
      child.kill('SIGKILL');
      await exited;
      await ms.exec('ROLLBACK');
      for (let i = 0; i < 100; i += 1) {
        const rows = await ms.exec(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
        if (Number(rows[0]?.['n'] ?? 1) === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await locationRows(ms)).toEqual(before);
      // The undo file was complete before the transaction began; undoing it now changes nothing.
      expect((await readFile(undoFile, 'utf8')).trim().split('\n').at(-1)).toBe('{"end":true,"rows":9}');
      expect((await runCliCaptured(['cutover', 'metastore', 'undo', '--metastore', ms.url, undoFile])).code).toBe(0);
      expect(await locationRows(ms)).toEqual(before);
    } finally {
      await ms.close();
    }
  });

  it('bad input: one clear line, a documented exit code, and nothing written', async () => {
    const empty = await createMetastore('postgres', '3.1.0', false);
    const old = await createMetastore('postgres', '3.1.0');
    try {
      await old.exec(`UPDATE "VERSION" SET "SCHEMA_VERSION" = '1.2.0'`);
      const host = new URL(old.url);
      const cases: Array<[string, string, number, RegExp]> = [
        ['unreachable', 'postgres://postgres@127.0.0.1:1/metastore', 4, /Cannot reach the metastore database at postgres:\/\/postgres@127\.0\.0\.1:1\/metastore/],
        ['wrong credentials', `postgres://nosuchuser:secret@${host.host}/postgres`, 3, /refused the credentials/],
        ['no such database', `postgres://postgres@${host.host}/ls_ms_does_not_exist`, 4, /does not exist/],
        ['not a metastore', empty.url, 2, /is not a Hive metastore database: it has no VERSION table/],
        ['unknown schema version', old.url, 2, /schema version '1\.2\.0' is not one lakeshift knows/],
        ['Azure SQL', 'mssql://sa@db.example.com/metastore', 2, /no Azure SQL \(mssql\) driver/],
        ['not a database URL', 'adl://contoso.azuredatalakestore.net/x', 2, /must be a postgres:\/\/, mysql:\/\/ or mssql:\/\/ URL/],
      ];
      for (const [what, url, code, message] of cases) {
        const undoFile = join(tmp, `bad-${what.replace(/\W/g, '-')}.jsonl`);
        const r = await runCliCaptured(['cutover', 'metastore', 'rewrite', '--metastore', url, '--map', MAP, '--apply', '--undo-file', undoFile]);
        expect({ what, code: r.code }).toEqual({ what, code });
        expect(r.err).toMatch(message);
        expect(r.err.trim().split('\n')).toHaveLength(1);
        expect(r.err).not.toContain('secret');
        expect(r.out).toBe('');
        expect(await exists(undoFile)).toBe(false);
      }
      const noUndo = await runCliCaptured(['cutover', 'metastore', 'rewrite', '--metastore', old.url, '--map', MAP, '--apply']);
      expect(noUndo.code).toBe(2);
      expect(noUndo.err).toContain('--apply needs --undo-file FILE');
      const taken = join(tmp, 'taken.jsonl');
      await writeFile(taken, 'keep me');
      const existing = await runCliCaptured(['cutover', 'metastore', 'rewrite', '--metastore', old.url, '--map', MAP, '--apply', '--undo-file', taken]);
      expect(existing.code).toBe(2);
      expect(existing.err).toContain('already exists');
      expect(await readFile(taken, 'utf8')).toBe('keep me');
    } finally {
      await empty.close();
      await old.close();
    }
  });
});

describe.skipIf(mysqlProblem !== undefined)('metastore bad input (MariaDB)', () => {
  it('wrong credentials: one line, exit 3, nothing written', async () => {
    const u = new URL(MYSQL_ADMIN_URL);
    u.password = 'definitely-wrong';
    const undoFile = join(tmp, 'mysql-bad.jsonl');
    const r = await runCliCaptured(['cutover', 'metastore', 'rewrite', '--metastore', u.toString(), '--map', MAP, '--apply', '--undo-file', undoFile]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/refused the credentials/);
    expect(r.err).not.toContain('definitely-wrong');
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(await exists(undoFile)).toBe(false);
  });
});
