import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLocation, type Gen2Location, type Store } from '../core/index.js';
import { DEV_ACCOUNT, startGen2Emulator, type Gen2Emulator } from '../emulators/gen2/index.js';
import { resolveOptions } from '../engine/migrate.js';
import { openPostgresJobDb, type JobDb } from '../state/db.js';
import type { JobDatabase } from '../state/schema.js';
import { TEST_PG_URL, testPgProblem } from '../state/test-support.js';
import { createGen2Store } from '../stores/gen2/index.js';
import { createMemoryStore } from '../stores/memory/index.js';
import { runCopyBatch, type JobRuntime } from './batch.js';
import { takeLease } from './lease.js';
import { claimBatchItems, completeBatch, fencedItemUpdate } from './manifest.js';
import { planDistributed } from './plan.js';
import { scaleoutDb } from './schema.js';

/**
 * A copy batch against a real PostgreSQL: how many statements it sends (a count of round trips,
 * whatever they cost), and the fence in each of its manifest statements.
 */

const problem = await testPgProblem('scale-out batch tests');
const FILES = 120;

/** Statements sent on a pool, by what they do (every client.query call is one round trip). */
function countingJobDb(url: string): { jobDb: JobDb; sent: string[] } {
  const sent: string[] = [];
  const pool = new pg.Pool({
    connectionString: url, max: 4,
    types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === 20 || oid === 1700 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format ?? 'text'))) as typeof pg.types.getTypeParser },
  });
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...a: unknown[]) => unknown;
    (client as unknown as { query: (...a: unknown[]) => unknown }).query = (...a: unknown[]) => {
      const first = a[0];
      sent.push(typeof first === 'string' ? first : String((first as { text?: string }).text ?? ''));
      return query(...a);
    };
  });
  const db = new Kysely<JobDatabase>({ dialect: new PostgresDialect({ pool }) });
  return { sent, jobDb: { db, dialect: 'postgres', location: url, close: () => db.destroy() } };
}

function kindOf(text: string): string {
  const t = text.trim().toLowerCase();
  if (t.startsWith('begin') || t.startsWith('commit') || t.startsWith('rollback')) return 'transaction';
  if (t.includes("set state = 'copying'")) return 'claim';
  if (t.includes('unnest(')) return 'item-write';
  if (t.includes("set state = 'done'")) return 'complete';
  if (t.startsWith('select') && t.includes('lease_token') && t.includes('from "scaleout_batches"')) return 'fence';
  return 'other';
}

describe.skipIf(problem !== undefined)('scale-out copy batch on PostgreSQL', () => {
  let dbName: string;
  let url: string;
  let jobDb: JobDb;
  let gen2: Gen2Emulator;
  let source: Store;
  let dest: Store;
  let rt: JobRuntime;
  let batchId: string;

  beforeAll(async () => {
    dbName = `ls_batch_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: TEST_PG_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
    const u = new URL(TEST_PG_URL);
    u.pathname = `/${dbName}`;
    url = u.toString();
    jobDb = await openPostgresJobDb({ connectionString: url });
    gen2 = await startGen2Emulator({ port: 0, inMemory: true });
    source = createMemoryStore({ kind: 'memory', name: `batch-src-${dbName}`, path: '' });
    await source.mkdir('d');
    for (let i = 0; i < FILES; i++) {
      const w = await source.createWriter(`d/f${String(i).padStart(4, '0')}`);
      await w.write(0, Buffer.from(`file ${i}\n`));
      await w.commit({ size: Buffer.byteLength(`file ${i}\n`) });
    }
    dest = createGen2Store(parseLocation(`${gen2.url}/${DEV_ACCOUNT}/batchfs`) as Gen2Location, { createFilesystem: true, retryDelayMs: 5 });
    const mappings = [{ sourcePrefix: '', dest, destPath: '' }];
    const spec = {
      source: 'memory://src', rules: [{ sourcePrefix: '', destUri: 'abfss://batchfs', destPath: '' }], kind: 'lift-and-shift' as const,
      preserve: [], overwrite: 'never' as const, checksum: false, delete: false, maxDelete: 1000, include: [], exclude: [],
    };
    const planned = await planDistributed({ source, mappings, jobDb, spec, target: { kind: 'postgres', connectionString: url, schema: 'public_queue' }, preserve: [] });
    const resolved = resolveOptions({ source, mappings, jobDb, preserve: [] });
    rt = { jobId: planned.jobId, source, mappings: resolved.mappings, preserve: resolved.preserve, blockSize: resolved.blockSize, delete: false, maxDelete: 1000 };
    const batch = await scaleoutDb(jobDb).selectFrom('scaleout_batches').select(['batch_id']).where('job_id', '=', planned.jobId).where('kind', '=', 'copy')
      .where('files', '>=', FILES).executeTakeFirstOrThrow();
    batchId = batch.batch_id;
  }, 60_000);

  afterAll(async () => {
    await jobDb?.close();
    await dest?.close();
    await gen2?.close();
    const admin = new pg.Client({ connectionString: TEST_PG_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  });

  it('a batch of 120 files costs one claim, grouped fenced writes, at most a fence check a second and one completion; no transactions, nothing per file', async () => {
    const counting = countingJobDb(url);
    try {
      const lease = await takeLease(counting.jobDb, batchId, 'counter');
      if (lease === undefined) throw new Error('no lease');
      counting.sent.length = 0;
      const out = await runCopyBatch(counting.jobDb, lease, rt, { concurrency: 8, logger: pino({ level: 'silent' }) });
      expect(out.filesDone).toBe(FILES);
      const kinds: Record<string, number> = {};
      for (const s of counting.sent) kinds[kindOf(s)] = (kinds[kindOf(s)] ?? 0) + 1;
      process.stdout.write(`round trips for a ${FILES}-file batch in ${out.wallMs} ms: ${JSON.stringify(kinds)}\n`);
      expect(kinds['claim']).toBe(1);
      expect(kinds['complete']).toBe(1);
      expect(kinds['transaction'] ?? 0).toBe(0);
      expect(kinds['other'] ?? 0).toBe(0);
      // Outcomes go out when 200 have gathered or 100 ms after the first: never one statement per file.
      expect(kinds['item-write'] ?? 0).toBeGreaterThanOrEqual(1);
      expect(kinds['item-write'] ?? 0).toBeLessThanOrEqual(Math.ceil((2 * FILES) / 200) + Math.ceil(out.wallMs / 100) + 1);
      // A fenced write within the last second stands in for the check before a commit.
      expect(kinds['fence'] ?? 0).toBeLessThanOrEqual(Math.ceil(out.wallMs / 1000) + 1);
      const states = await scaleoutDb(jobDb).selectFrom('items').select('state').where('batch_id', '=', batchId).where('kind', '=', 'file').execute();
      expect(states.map((s) => s.state).filter((s) => s !== 'verified' && s !== 'copied')).toEqual([]);
      const row = await scaleoutDb(jobDb).selectFrom('scaleout_batches').selectAll().where('batch_id', '=', batchId).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ state: 'done', files_done: FILES, files_failed: 0, wall_ms: out.wallMs });
      // Recorded before its own statement ran; the log line's figure includes the completion.
      expect(row.coord_ms).toBeLessThanOrEqual(out.coordMs);
    } finally {
      await counting.jobDb.close();
    }
  }, 60_000);

  it('after a takeover the old lease claims, writes and completes nothing, and each statement says so', async () => {
    const db = scaleoutDb(jobDb);
    await db.updateTable('scaleout_batches').set({ state: 'running' }).where('batch_id', '=', batchId).execute();
    const old = await takeLease(jobDb, batchId, 'old');
    const taker = await takeLease(jobDb, batchId, 'taker');
    if (old === undefined || taker === undefined) throw new Error('no lease');
    const item = await db.selectFrom('items').selectAll().where('batch_id', '=', batchId).where('kind', '=', 'file').orderBy('id').executeTakeFirstOrThrow();
    const before = await db.selectFrom('items').selectAll().where('batch_id', '=', batchId).orderBy('id').execute();

    expect(await fencedItemUpdate(db, old, [{ id: item.id, patch: { state: 'failed', last_error: 'late' } }], Date.now())).toEqual({ fenced: false, written: [] });
    expect(await claimBatchItems(db, old, ['verified'], Date.now())).toEqual({ fenced: false, rows: [] });
    expect(await completeBatch(db, old, { finishedAt: Date.now(), wallMs: 1, coordMs: 1 })).toBeUndefined();
    expect(await db.selectFrom('items').selectAll().where('batch_id', '=', batchId).orderBy('id').execute()).toEqual(before);

    // The holder's patch sets what it names (a null included) and keeps every other column.
    const w = await fencedItemUpdate(db, taker, [{ id: item.id, patch: { state: 'pending', md5: null, copies: 7 } }], 1234);
    expect(w).toEqual({ fenced: true, written: [{ id: item.id, state: 'pending' }] });
    const after = await db.selectFrom('items').selectAll().where('id', '=', item.id).executeTakeFirstOrThrow();
    expect(after).toEqual({ ...item, state: 'pending', md5: null, copies: 7, updated_at: 1234 });
    const claimed = await claimBatchItems(db, taker, ['pending'], 1235, true);
    expect(claimed.fenced).toBe(true);
    expect(claimed.rows.map((r) => [r.id, r.state])).toEqual([[item.id, 'pending']]);
    expect((await db.selectFrom('items').select('state').where('id', '=', item.id).executeTakeFirstOrThrow()).state).toBe('copying');
    await expect(fencedItemUpdate(db, taker, [{ id: item.id, patch: { path_hash: 'x' } as never }], 1)).rejects.toThrow(/cannot be written by a fenced update/);
  });
});
