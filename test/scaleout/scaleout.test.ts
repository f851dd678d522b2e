import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kill, startCli, waitFor, type Run } from '../cli-process.js';
import { sdkFilesystem, sdkPaths, sdkRead, storeRead, walkAll } from '../migrate-helpers.js';
import { createDatabase, REDIS_URL, startLake, startWorker, type Lake } from './harness.js';
import { startOwnPostgres } from './own-postgres.js';

/**
 * Scale-out end to end: `migrate --distributed` plans into PostgreSQL and enqueues batches; worker
 * processes copy the seeded lake from the Gen1 emulator to the Gen2 emulator. Two of four workers are
 * killed mid-run; the others finish with every file correct exactly once and no temp files left.
 * The same with the queue in Redis. Requests carry 20 ms latency so that batches take real time.
 */

async function plan(state: string, lake: Lake, fs: string, extra: string[] = []): Promise<string> {
  const run = startCli(['migrate', lake.srcUri, lake.destUri(fs), '--distributed', '--state', state, '--batch-files', '10', '--output', 'json', ...extra]);
  const code = await run.exit;
  expect(code, run.stderr).toBe(0);
  const out = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as { job: string; batches: number };
  expect(out.job).toMatch(/^j[0-9a-f]{11}$/);
  expect(out.batches).toBeGreaterThan(8);
  return out.job;
}

async function skippedPaths(state: string, jobId: string): Promise<Set<string>> {
  const c = new pg.Client({ connectionString: state });
  await c.connect();
  try {
    const r = await c.query<{ rel_path: string }>("SELECT rel_path FROM items WHERE job_id = $1 AND state = 'skipped'", [jobId]);
    return new Set(r.rows.map((x) => x.rel_path));
  } finally {
    await c.end();
  }
}

/** The destination holds every source entry the plan did not skip (names Gen2 refuses), byte for byte, and nothing else. */
async function expectExact(lake: Lake, fs: string, skipped: Set<string>): Promise<void> {
  const listed = await sdkPaths(sdkFilesystem(lake.gen2.url, fs));
  const entries = (await walkAll(lake.source)).filter((e) => !skipped.has(e.path) && ![...skipped].some((p) => e.path.startsWith(`${p}/`)));
  const temps = [...listed.keys()].filter((p) => p.includes('.lakeshift-tmp-'));
  expect(temps).toEqual([]);
  expect(listed.size).toBe(entries.length);
  const client = sdkFilesystem(lake.gen2.url, fs);
  for (const e of entries) {
    expect(listed.get(e.path)?.isDirectory, e.path).toBe(e.kind === 'directory');
    if (e.kind === 'file') expect((await sdkRead(client, e.path)).equals(await storeRead(lake.source, e.path)), e.path).toBe(true);
  }
}

async function manifestCounts(state: string, jobId: string): Promise<Record<string, number>> {
  const c = new pg.Client({ connectionString: state });
  await c.connect();
  try {
    const r = await c.query<{ state: string; n: string }>("SELECT state, count(*) AS n FROM items WHERE job_id = $1 AND kind = 'file' GROUP BY state", [jobId]);
    return Object.fromEntries(r.rows.map((x) => [x.state, Number(x.n)]));
  } finally {
    await c.end();
  }
}

function batchesDone(run: Run): number {
  return run.stderr.split('\n').filter((l) => l.includes('"batch.done"')).length;
}

for (const queue of ['postgres', 'redis'] as const) {
  describe(`scale-out with the queue in ${queue}`, () => {
    let lake: Lake;
    let db: { url: string; drop(): Promise<void> };
    beforeAll(async () => {
      lake = await startLake(5);
      db = await createDatabase();
    }, 60_000);
    afterAll(async () => {
      await lake?.close();
      await db?.drop();
    });

    it('4 workers, 2 killed mid-run: the rest finish, every file exactly once, validate clean; an incremental rerun copies only the change', async () => {
      const q = queue === 'redis' ? ['--queue', REDIS_URL] : [];
      const jobId = await plan(db.url, lake, 'kill', q);
      const env = {};
      const workers = [0, 1, 2, 3].map((i) => startWorker(db.url, [...q, '--exit-when-idle', '--name', `w${i}`], env));
      // Kill two once each has finished a batch and is in the middle of the next.
      for (const w of workers.slice(0, 2)) await waitFor(w, (r) => batchesDone(r) >= 1, 'a finished batch');
      await Promise.all(workers.slice(0, 2).map(kill));
      const codes = await Promise.all(workers.slice(2).map((w) => w.exit));
      expect(codes, workers[2]?.stderr.slice(-3000)).toEqual([0, 0]);
      const wait = startCli(['jobs', 'wait', jobId, '--state', db.url, ...q, '--output', 'json', '--timeout', '60']);
      expect(await wait.exit, wait.stderr).toBe(0);
      const status = JSON.parse(wait.stdout) as { files: { done: number; failed: number; total: number; skipped: number }; workers: { worker: string }[]; queue?: { waiting: number } };
      expect(status.files.failed).toBe(0);
      const skipped = await skippedPaths(db.url, jobId);
      expect(status.files.done + status.files.skipped).toBe(lake.seed.files);
      expect(status.files.done).toBeGreaterThan(lake.seed.files - 10);
      expect(status.workers.length).toBeGreaterThanOrEqual(2);
      expect(status.queue?.waiting ?? 0).toBe(0);
      const counts = await manifestCounts(db.url, jobId);
      expect(Object.keys(counts).filter((k) => k !== 'verified' && k !== 'skipped')).toEqual([]);
      await expectExact(lake, 'kill', skipped);
      // validate reports the paths the plan skipped (names Gen2 refuses) as missing, and nothing else.
      const validate = startCli(['validate', lake.srcUri, lake.destUri('kill'), '--output', 'json']);
      const vcode = await validate.exit;
      const report = JSON.parse(validate.stdout) as { differences?: { path: string; kind: string }[] };
      const unexpected = (report.differences ?? []).filter((d) => !(d.kind === 'missing' && (skipped.has(d.path) || [...skipped].some((p) => d.path.startsWith(`${p}/`)))));
      expect(unexpected, validate.stdout.slice(-2000)).toEqual([]);
      expect(vcode === 0 || skipped.size > 0).toBe(true);

      // Incremental, distributed: one new file and one changed file; only they are copied.
      const w = await lake.source.createWriter('sales/new-after-first-run.csv');
      await w.write(0, Buffer.from('new,row\n'));
      await w.commit({ size: 8 });
      const again = startCli(['migrate', lake.srcUri, lake.destUri('kill'), '--distributed', '--incremental', '--state', db.url, '--batch-files', '10', '--output', 'json', ...q]);
      expect(await again.exit, again.stderr).toBe(0);
      const second = JSON.parse(again.stdout.trim()) as { job: string; run: number; files: number };
      expect(second.job).toBe(jobId);
      expect(second.run).toBe(2);
      // The new file plus directories whose metadata the change touched; far fewer than the first run's.
      expect(second.files).toBeLessThan(15);
      const one = startWorker(db.url, [...q, '--exit-when-idle'], env);
      expect(await one.exit, one.stderr.slice(-2000)).toBe(0);
      expect((JSON.parse(one.stdout.trim()) as { files: number }).files).toBeGreaterThanOrEqual(1);
      await expectExact(lake, 'kill', skipped);
    }, 240_000);

    it('a worker paused (SIGSTOP) past its lock between its fence check and its commit, resumed after another finished its batch, overwrites neither the file nor its manifest row', async () => {
      const q = queue === 'redis' ? ['--queue', REDIS_URL] : [];
      const jobId = await plan(db.url, lake, 'stop', q);
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      try {
        const first = await c.query<{ id: number; rel_path: string }>("SELECT id, rel_path FROM items WHERE job_id = $1 AND kind = 'file' AND action = 'copy' AND state = 'pending' AND size > 0 ORDER BY id LIMIT 1", [jobId]);
        const held = first.rows[0];
        if (held === undefined) throw new Error('no file to hold');
        // A holds inside the fence check of that file (test hook), alone on the queue, one file at a time.
        const a = startWorker(db.url, [...q, '--exit-when-idle', '--name', 'paused', '--batches', '1', '--concurrency', '1'], { LAKESHIFT_TEST_HOLD_AFTER_FENCE: held.rel_path });
        await waitFor(a, (r) => r.stderr.includes('"test.hold"'), 'the held commit');
        await new Promise((resolve) => setTimeout(resolve, 300));
        const pid = a.child.pid ?? 0;
        process.kill(pid, 'SIGSTOP');
        try {
          // B takes the batch over once A's 3 s lock has expired, and finishes the whole job.
          const b = startWorker(db.url, [...q, '--exit-when-idle', '--name', 'taker']);
          expect(await b.exit, b.stderr.slice(-3000)).toBe(0);
        } finally {
          process.kill(pid, 'SIGCONT');
        }
        const row = async (): Promise<Record<string, unknown>> => (await c.query("SELECT i.state, i.updated_at, i.copies, i.md5, b.worker FROM items i JOIN scaleout_batches b ON b.batch_id = i.batch_id WHERE i.id = $1", [held.id])).rows[0] as Record<string, unknown>;
        const before = await row();
        expect(before['worker']).toBe('taker');
        const fsClient = sdkFilesystem(lake.gen2.url, 'stop');
        const etag = (await fsClient.getFileClient(held.rel_path).getProperties()).etag;
        // A resumes: its commit reaches the destination and is refused there (the file exists now),
        // its next attempt's fence check finds the lease gone; nothing of it is written.
        const code = await Promise.race([a.exit, new Promise((resolve) => setTimeout(() => resolve('timeout'), 60_000))]);
        expect(code, a.stderr.slice(-3000)).toBe(0);
        expect(a.stderr).toMatch(/"file\.dest_changed"|"lease\.lost"/);
        expect((await fsClient.getFileClient(held.rel_path).getProperties()).etag).toBe(etag);
        expect(await row()).toEqual(before);
        await expectExact(lake, 'stop', await skippedPaths(db.url, jobId));
        process.stdout.write(`SIGSTOP test (${queue}): resumed worker's log shows ${a.stderr.includes('"file.dest_changed"') ? 'its commit refused by the destination (file.dest_changed)' : 'only the fence check refusing it (lease.lost)'}\n`);
      } finally {
        await c.end();
      }
    }, 240_000);
  });
}

for (const queue of ['postgres', 'redis'] as const) {
  describe(`scale-out with PostgreSQL restarted mid-run (queue in ${queue})`, () => {
    it('the workers wait out the restart, reconnect and finish: every file exactly once, nothing failed', async (t) => {
      const own = await startOwnPostgres();
      if ('skip' in own) {
        process.stdout.write(`skipped: PostgreSQL restart test: ${own.skip}\n`);
        t.skip();
        return;
      }
      const lake = await startLake(5);
      try {
        const db = await createDatabase(own.url);
        const q = queue === 'redis' ? ['--queue', REDIS_URL] : [];
        const jobId = await plan(db.url, lake, 'restart', q);
        const workers = [0, 1].map((i) => startWorker(db.url, [...q, '--exit-when-idle', '--outage-s', '120', '--name', `r${i}`]));
        // Mid-run for both: each serves the queue (a worker still starting up refuses an unreachable database by design).
        for (const w of workers) await waitFor(w, (r) => r.stderr.includes('"worker.serving"'), 'the worker serving the queue');
        await waitFor(workers[0] as Run, (r) => batchesDone(r) >= 1, 'a finished batch');
        own.stop();
        await new Promise((resolve) => setTimeout(resolve, 3000));
        own.start();
        const codes = await Promise.all(workers.map((w) => w.exit));
        expect(codes, workers.map((w) => w.stderr.slice(-2000)).join('\n----\n')).toEqual([0, 0]);
        expect(workers.some((w) => w.stderr.includes('"worker.poll_failed"') || w.stderr.includes('"queue.error"'))).toBe(true);
        const counts = await manifestCounts(db.url, jobId);
        expect(Object.keys(counts).filter((k) => k !== 'verified' && k !== 'skipped')).toEqual([]);
        await expectExact(lake, 'restart', await skippedPaths(db.url, jobId));
        await db.drop();
      } finally {
        await lake.close();
        own.remove();
      }
    }, 240_000);
  });
}

describe('scale-out: the job database lost for good', () => {
  it('a worker with --exit-when-idle gives up after --outage-s with exit 4 and one line', async (t) => {
    const own = await startOwnPostgres();
    if ('skip' in own) {
      process.stdout.write(`skipped: database-lost test: ${own.skip}\n`);
      t.skip();
      return;
    }
    const lake = await startLake(20);
    try {
      const db = await createDatabase(own.url);
      await plan(db.url, lake, 'lost');
      const w = startWorker(db.url, ['--exit-when-idle', '--outage-s', '3']);
      await waitFor(w, (r) => r.stderr.includes('"worker.serving"'), 'the worker serving the queue');
      own.stop();
      const code = await Promise.race([w.exit, new Promise((resolve) => setTimeout(() => resolve('timeout'), 90_000))]);
      expect(code, w.stderr.slice(-3000)).toBe(4);
      expect(w.stderr).toMatch(/^lakeshift: Lost the PostgreSQL job database for \d+ s .*giving up as --exit-when-idle asks\. Check that PostgreSQL is running/m);
      expect(w.stderr).not.toMatch(/\n\s+at /);
      if (code === 'timeout') await kill(w);
    } finally {
      await lake.close();
      own.remove();
    }
  }, 180_000);
});

describe('scale-out bad input', () => {
  it('an unreachable PostgreSQL or Redis fails fast with exit 4 and one line; a job of another scale-out schema is refused (exit 2)', async () => {
    const lake = await startLake(0);
    try {
      const pgDown = startCli(['migrate', lake.srcUri, lake.destUri('badfs'), '--distributed', '--state', 'postgres://postgres@127.0.0.1:1/test']);
      expect(await pgDown.exit, pgDown.stderr).toBe(4);
      expect(pgDown.stderr).toMatch(/^lakeshift: Cannot reach the PostgreSQL job database at postgres:\/\/postgres@127\.0\.0\.1:1\/test: .*Check the URL/m);
      expect(pgDown.stderr).not.toMatch(/\n\s+at /);
      // --every and --plan are refused with --distributed (one line, exit 2); --incremental works (above).
      const every = startCli(['migrate', lake.srcUri, lake.destUri('badfs'), '--distributed', '--every', '15m', '--state', 'postgres://postgres@127.0.0.1:1/test']);
      expect(await every.exit, every.stderr).toBe(2);
      expect(every.stderr).toMatch(/^lakeshift: --distributed and --every cannot be combined: schedule/m);
      const withPlan = startCli(['migrate', '--plan', 'plan.yaml', '--distributed', '--state', 'postgres://postgres@127.0.0.1:1/test']);
      expect(await withPlan.exit, withPlan.stderr).toBe(2);
      expect(withPlan.stderr).toMatch(/^lakeshift: --distributed and --plan cannot be combined yet/m);
      const badPort = startCli(['jobs', 'wait', 'j1', '--state', 'postgres://u:pw@127.0.0.1:99999/x']);
      expect(await badPort.exit, badPort.stderr).toBe(2);
      expect(badPort.stderr).toMatch(/^lakeshift: --state is not a valid URL: check its host, its port/m);
      expect(badPort.stderr).not.toMatch(/pw/);
      const db = await createDatabase();
      try {
        const redisDown = startCli(['migrate', lake.srcUri, lake.destUri('badfs'), '--distributed', '--state', db.url, '--queue', 'redis://127.0.0.1:1']);
        expect(await redisDown.exit, redisDown.stderr).toBe(4);
        expect(redisDown.stderr).toMatch(/^lakeshift: Cannot reach Redis at redis:\/\/127\.0\.0\.1:1/m);
        const worker = startCli(['worker', '--state', 'postgres://postgres@127.0.0.1:1/test']);
        expect(await worker.exit).toBe(4);
        // A job planned by a lakeshift with another scale-out schema: refused, its batches untouched.
        const jobId = await plan(db.url, lake, 'schemafs');
        const c = new pg.Client({ connectionString: db.url });
        await c.connect();
        try {
          await c.query('UPDATE scaleout_jobs SET schema_version = 99, lakeshift_version = $1 WHERE job_id = $2', ['9.9.9', jobId]);
          const refused = startWorker(db.url, ['--exit-when-idle']);
          expect(await refused.exit, refused.stderr.slice(-1000)).toBe(2);
          expect(refused.stderr).toMatch(/Refusing job j[0-9a-f]{11}: it was planned by lakeshift 9\.9\.9 with scale-out schema 99/);
          const left = await c.query<{ n: string }>("SELECT count(*) AS n FROM scaleout_batches WHERE job_id = $1 AND state <> 'queued'", [jobId]);
          expect(Number(left.rows[0]?.n)).toBe(0);
        } finally {
          await c.end();
        }
      } finally {
        await db.drop();
      }
    } finally {
      await lake.close();
    }
  }, 60_000);
});
