import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresJobDb, openSqliteJobDb, type JobDb } from '../../src/state/db.js';
import { startDashboard, type Dashboard } from '../../src/web/index.js';
import { CHROMIUM, hasChromium, launchChromium } from '../browser-helpers.js';
import { startCli } from '../cli-process.js';
import { createDatabase, startLake, startWorker, type Lake } from '../scaleout/harness.js';
import { seriousViolations, tabThrough, tempDir } from './helpers.js';

if (!hasChromium) console.log(`workers: skipping the browser part: ${CHROMIUM} is missing (apt-get install -y chromium)`);

// The Workers page's API over a real distributed job: planned with migrate --distributed into a fresh
// PostgreSQL database, copied by one worker process, then read by the dashboard and by jobs show.
const cleanups: (() => void)[] = [];
const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c().catch(() => undefined);
  for (const c of cleanups) c();
});

async function api(dash: Dashboard, path: string): Promise<{ status: number; text: string; body: Record<string, unknown> }> {
  const res = await fetch(`${dash.baseUrl}${path}`, { headers: { authorization: `Bearer ${dash.token}` } });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as Record<string, unknown> };
}

interface WorkerRow { worker: string; batches: number; files: number; bytes: number; filesPerSecond: number; filesFailed: number; lastSeen: number | null }
interface JobView { jobId: string; status: string; files: { done: number; total: number; failed: number }; bytes: { done: number; total: number }; batches: { done: number; total: number }; workers: WorkerRow[]; queue: { waiting: number; active: number; kind: string } | undefined; queueNote: string | null }

describe('Workers page API on a PostgreSQL job database with a distributed job', () => {
  let lake: Lake;
  let db: { url: string; drop(): Promise<void> };
  let jobId: string;
  beforeAll(async () => {
    lake = await startLake(0);
    closers.push(() => lake.close());
    db = await createDatabase();
    closers.push(() => db.drop());
    const plan = startCli(['migrate', lake.srcUri, lake.destUri('dashw'), '--distributed', '--state', db.url, '--batch-files', '20', '--output', 'json']);
    expect(await plan.exit, plan.stderr).toBe(0);
    jobId = (JSON.parse(plan.stdout.trim().split('\n').pop() ?? '{}') as { job: string }).job;
    const worker = startWorker(db.url, ['--exit-when-idle', '--name', 'dash-w1']);
    expect(await worker.exit, worker.stderr.slice(-2000)).toBe(0);
  }, 180_000);

  it('lists the job with the aggregate jobs show prints, the worker row and the queue depth; no password in the answer', async () => {
    const jobDb: JobDb = await openPostgresJobDb({ connectionString: db.url, schema: 'public' });
    closers.push(() => jobDb.close());
    // The dashboard gets the URL with a password (the test server trusts local connections): it must never reach the browser.
    const withPassword = new URL(db.url);
    withPassword.password = 'hunter2-dash-secret';
    const dash = await startDashboard({ jobDb, postgres: { url: withPassword.toString(), schema: 'public' } });
    closers.push(() => dash.close());
    const r = await api(dash, '/api/workers');
    expect(r.status).toBe(200);
    expect(r.text).not.toContain('hunter2-dash-secret');
    expect(r.body['postgres']).toBe(true);
    const jobs = r.body['jobs'] as JobView[];
    expect(jobs.map((j) => j.jobId)).toEqual([jobId]);
    const job = jobs[0] as JobView;

    const show = startCli(['jobs', 'show', jobId, '--state', db.url, '--output', 'json']);
    expect(await show.exit, show.stderr).toBe(0);
    const cli = JSON.parse(show.stdout) as JobView;
    expect(job.status).toBe('completed');
    expect(job.files).toEqual(cli.files);
    expect(job.bytes).toEqual(cli.bytes);
    expect(job.batches).toEqual(cli.batches);
    expect(job.files.done).toBeGreaterThan(0);
    expect(job.files.failed).toBe(0);
    expect(job.workers.map((w) => w.worker)).toEqual(['dash-w1']);
    const w = job.workers[0] as WorkerRow;
    expect({ batches: w.batches, files: w.files, bytes: w.bytes }).toEqual({ batches: cli.workers[0]?.batches, files: cli.workers[0]?.files, bytes: cli.workers[0]?.bytes });
    expect(w.files).toBe(job.files.done);
    expect(w.filesFailed).toBe(0);
    expect(w.lastSeen).toBeGreaterThan(Date.now() - 10 * 60_000);
    expect(job.queue?.kind).toBe('postgres');
    expect(job.queue?.waiting).toBe(0);
    expect(job.queue?.active).toBe(0);
    expect(job.queueNote).toBeNull();

    if (!hasChromium) return;
    const context = await launchChromium(tempDir('lakeshift-chromium-workers-', cleanups), { width: 1366, height: 900 });
    closers.push(() => context.close());
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(dash.url);
    await page.goto(`${dash.baseUrl}/workers`);
    await page.locator('#content[aria-busy="false"]').waitFor();
    await page.locator('.workers-table tr.worker-row').first().waitFor();
    const main = await page.locator('main').innerText();
    expect(main).toContain(`Job ${jobId}`);
    expect(main).not.toContain('hunter2-dash-secret');
    expect(await page.locator('.workers-table tr.worker-row').count()).toBe(1);
    const row = await page.locator('.workers-table tr.worker-row td').allInnerTexts();
    expect(row[0]).toBe('dash-w1');
    expect(row[2]).toBe(job.files.done.toLocaleString('en-US'));
    expect(await page.locator(`[data-field="w-queue-${jobId}"]`).innerText()).toBe('0 waiting');
    await page.screenshot({ path: 'test-artifacts/dashboard/workers-postgres.png', fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);
    expect((await tabThrough(page)).missed).toEqual([]);
    expect(errors).toEqual([]);
  }, 90_000);
});

describe('Workers page API on a SQLite job database', () => {
  it('is available and says how to get it: serve --state postgres://', async () => {
    const jobDb = await openSqliteJobDb(tempDir('lakeshift-dash-workers-', cleanups));
    closers.push(() => jobDb.close());
    const dash = await startDashboard({ jobDb });
    closers.push(() => dash.close());
    const r = await api(dash, '/api/workers');
    expect(r.status).toBe(200);
    expect(r.body['postgres']).toBe(false);
    expect(r.body['jobs']).toEqual([]);
    expect(String(r.body['hint'])).toContain('lakeshift serve --state postgres://');
    const modules = (await api(dash, '/api/modules')).body['modules'] as { id: string; available: boolean }[];
    expect(modules.find((m) => m.id === 'workers')?.available).toBe(true);
  });
});

describe('lakeshift serve --state refuses bad URLs without showing the password', () => {
  it.each([
    ['another scheme', 2, 'mysql://admin:hunter2-cli-secret@127.0.0.1/db', 'must be a postgres:// URL'],
    ['a malformed URL', 2, 'postgres://admin:hunter2-cli-secret@[bad/db', 'is not a valid URL'],
    ['an unreachable server', 4, 'postgres://admin:hunter2-cli-secret@127.0.0.1:1/db', 'Cannot open the job database'],
  ] as const)('%s: exit %i, one line', async (_what, code, url, text) => {
    const run = startCli(['serve', '--state', url]);
    expect(await run.exit).toBe(code);
    expect(run.stderr).toContain(text);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr + run.stdout).not.toContain('hunter2-cli-secret');
  }, 30_000);
});
