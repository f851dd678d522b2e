import pg from 'pg';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresJobDb, openSqliteJobDb, type JobDb } from './db.js';
import { countItems, findItems, insertItems, listItems, resetInterruptedItems, updateItem, type NewItem } from './items.js';
import { createJob, deleteJob, findJobByKey, finishRun, getJob, listDatasets, listJobs, listRuns, setDatasetWatermark, startRun, upsertDataset } from './jobs.js';
import { TEST_PG_URL as PG_URL, testPgProblem } from './test-support.js';

const pgProblem = await testPgProblem('the PostgreSQL job-database tests');

function items(n: number, run = 1, prefix = 'f'): NewItem[] {
  return Array.from({ length: n }, (_, i) => ({
    dataset: 'd', relPath: `${prefix}/${String(i).padStart(7, '0')}.bin`, kind: 'file' as const, action: 'copy' as const,
    state: 'pending' as const, size: i, mtimeMs: 1_700_000_000_000 + i, etag: `e${i}`, seenRun: run,
  }));
}

function contract(name: string, open: () => Promise<{ jobDb: JobDb; cleanup(): Promise<void> }>, skip: boolean): void {
  describe.skipIf(skip)(`job database on ${name}`, () => {
    let jobDb: JobDb;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ jobDb, cleanup } = await open());
    });
    afterAll(async () => {
      await jobDb?.close();
      await cleanup?.();
    });

    it('creates, finds and deletes jobs with runs, data sets and items', async () => {
      const job = await createJob(jobDb, { id: 'job-abc123', jobKey: 'k1', kind: 'migrate', source: 's', dest: 'd', options: { a: 1 } });
      expect(job.status).toBe('created');
      expect((await findJobByKey(jobDb, 'k1'))?.id).toBe('job-abc123');
      expect((await getJob(jobDb, 'job-ab')).id).toBe('job-abc123');
      await expect(getJob(jobDb, 'nope')).rejects.toThrow(/No job 'nope'/);
      const r1 = await startRun(jobDb, job.id);
      expect(r1.run_no).toBe(1);
      await finishRun(jobDb, job.id, 1, 'completed', { filesCopied: 3, filesFailed: 0, filesSkipped: 1, bytesCopied: 5_000_000_000, deleted: 0 });
      const r2 = await startRun(jobDb, job.id);
      expect(r2.run_no).toBe(2);
      const runs = await listRuns(jobDb, job.id);
      expect(runs.map((r) => [r.run_no, r.status, r.bytes_copied])).toEqual([[1, 'completed', 5_000_000_000], [2, 'running', 0]]);
      await upsertDataset(jobDb, { jobId: job.id, name: 'raw', sourcePrefix: 'raw', dest: 'fs' });
      await setDatasetWatermark(jobDb, job.id, 'raw', 1234, 2);
      expect((await listDatasets(jobDb, job.id))[0]).toMatchObject({ name: 'raw', watermark: 1234, last_run: 2 });
      await insertItems(jobDb, job.id, items(3));
      await deleteJob(jobDb, job.id);
      expect(await listJobs(jobDb)).toEqual([]);
      expect(await countItems(jobDb, job.id)).toEqual([]);
    });

    it('inserts items idempotently, finds, updates, lists in scan order and resets interrupted ones', async () => {
      const job = await createJob(jobDb, { id: 'job-items', jobKey: 'k2', kind: 'migrate', source: 's', dest: 'd', options: {} });
      await insertItems(jobDb, job.id, items(2500));
      await insertItems(jobDb, job.id, items(2500)); // rescan after a crash: no duplicates
      const counts = await countItems(jobDb, job.id);
      expect(counts).toEqual([{ kind: 'file', state: 'pending', count: 2500, bytes: (2499 * 2500) / 2 }]);
      const found = await findItems(jobDb, job.id, 'd', ['f/0000007.bin', 'f/missing']);
      expect([...found.keys()]).toEqual(['f/0000007.bin']);
      const row = found.get('f/0000007.bin');
      expect(row?.size).toBe(7);
      expect(row?.mtime_ms).toBe(1_700_000_000_007);
      if (row === undefined) return;
      await updateItem(jobDb, row.id, { state: 'copying', committed_offset: 4_294_967_296 });
      const page = await listItems(jobDb, job.id, { states: ['pending'], limit: 5 });
      expect(page.map((r) => r.rel_path)).toEqual(['f/0000000.bin', 'f/0000001.bin', 'f/0000002.bin', 'f/0000003.bin', 'f/0000004.bin']);
      const next = await listItems(jobDb, job.id, { states: ['pending'], limit: 3, afterId: page[4]?.id ?? 0 });
      expect(next.map((r) => r.rel_path)).toEqual(['f/0000005.bin', 'f/0000006.bin', 'f/0000008.bin']);
      const reset = await resetInterruptedItems(jobDb, job.id);
      expect(reset.map((r) => [r.rel_path, r.committed_offset])).toEqual([['f/0000007.bin', 4_294_967_296]]);
      expect((await countItems(jobDb, job.id))[0]?.count).toBe(2500);
      await deleteJob(jobDb, job.id);
    });

    it('updates one item with any set of columns, nulls included, and stamps updated_at', async () => {
      const job = await createJob(jobDb, { id: 'job-update', jobKey: 'k4', kind: 'migrate', source: 's', dest: 'd', options: {} });
      await insertItems(jobDb, job.id, items(3), 1000);
      const found = await findItems(jobDb, job.id, 'd', ['f/0000001.bin', 'f/0000002.bin']);
      const a = found.get('f/0000001.bin');
      const b = found.get('f/0000002.bin');
      if (a === undefined || b === undefined) throw new Error('seeded items missing');
      await updateItem(jobDb, a.id, { state: 'failed', last_error: "it's broken", attempts: 2 }, 2000);
      await updateItem(jobDb, a.id, { md5: 'abc==', last_error: null, committed_offset: 77 }, 3000);
      await updateItem(jobDb, b.id, { state: 'failed', last_error: 'other', attempts: 5 }, 4000);
      const after = await findItems(jobDb, job.id, 'd', ['f/0000000.bin', 'f/0000001.bin', 'f/0000002.bin']);
      expect(after.get('f/0000001.bin')).toMatchObject({ state: 'failed', last_error: null, attempts: 2, md5: 'abc==', committed_offset: 77, updated_at: 3000 });
      expect(after.get('f/0000002.bin')).toMatchObject({ state: 'failed', last_error: 'other', attempts: 5, updated_at: 4000 });
      expect(after.get('f/0000000.bin')).toMatchObject({ state: 'pending', last_error: null, attempts: 0, updated_at: 1000 });
      await deleteJob(jobDb, job.id);
    });

    it('scans 20,000 entries quickly with batched inserts', async () => {
      const job = await createJob(jobDb, { id: 'job-speed', jobKey: 'k3', kind: 'migrate', source: 's', dest: 'd', options: {} });
      const all = items(20_000, 1, 'speed');
      const t0 = performance.now();
      for (let i = 0; i < all.length; i += 1000) await insertItems(jobDb, job.id, all.slice(i, i + 1000));
      const seconds = (performance.now() - t0) / 1000;
      console.log(`${name}: inserted 20,000 items in ${seconds.toFixed(2)} s (${Math.round(20_000 / seconds)} entries/s)`);
      expect((await countItems(jobDb, job.id))[0]?.count).toBe(20_000);
      await deleteJob(jobDb, job.id);
    });
  });
}

contract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lakeshift-state-'));
  const jobDb = await openSqliteJobDb(dir);
  return { jobDb, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
}, false);

contract('PostgreSQL', async () => {
  const schema = `lakeshift_test_${process.pid}_${Date.now().toString(36)}`;
  const jobDb = await openPostgresJobDb({ connectionString: PG_URL, schema });
  return {
    jobDb,
    cleanup: async () => {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    },
  };
}, pgProblem !== undefined);
