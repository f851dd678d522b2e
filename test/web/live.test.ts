import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteJobDb, type JobDb } from '../../src/state/db.js';
import { createJob, updateJob } from '../../src/state/jobs.js';
import { recordProgress } from '../../src/state/progress.js';
import { startDashboard, type Dashboard } from '../../src/web/index.js';
import { readEvents, tempDir } from './helpers.js';

const cleanups: (() => void)[] = [];
let jobDb: JobDb;
let dash: Dashboard;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  jobDb = await openSqliteJobDb(join(tempDir('lakeshift-dash-live-', cleanups), 'state'));
  for (const id of ['ja', 'jb']) await createJob(jobDb, { id, jobKey: `k-${id}`, kind: 'lift-and-shift', source: 'memory://a/', dest: 'memory://b/', options: {} });
  // History that a new client must not be sent again as deltas.
  for (let i = 0; i < 50; i++) await recordProgress(jobDb, { job_id: 'ja', run_no: 1, at: i, files_done: i, files_failed: 0, bytes_done: i, files_to_copy: 100, bytes_to_copy: 100 });
  dash = await startDashboard({ jobDb, pollMs: 100 });
});

afterAll(async () => {
  await dash.close();
  await jobDb.close();
  for (const c of cleanups) c();
});

const auth = (): Record<string, string> => ({ authorization: `Bearer ${dash.token}` });

describe('live feed', () => {
  it('pushes only what changed to every client, from one poller', async () => {
    const controller = new AbortController();
    const wanted = (events: { event: string }[]): boolean => events.some((e) => e.event === 'progress') && events.some((e) => e.event === 'jobs');
    const clients = [0, 1, 2].map(() => readEvents(`${dash.baseUrl}/api/events`, auth(), wanted, controller.signal));
    while (dash.live.clientCount < 3) await sleep(20);
    await sleep(300);
    const pollsBefore = dash.live.polls;
    await recordProgress(jobDb, { job_id: 'jb', run_no: 2, at: 1000, files_done: 7, files_failed: 1, bytes_done: 700, files_to_copy: 10, bytes_to_copy: 1000 });
    await updateJob(jobDb, 'jb', { status: 'running' });
    const all = await Promise.all(clients);
    controller.abort();
    for (const events of all) {
      const progress = events.filter((e) => e.event === 'progress').flatMap((e) => e.data as { jobId: string; filesDone: number }[]);
      expect(progress).toEqual([expect.objectContaining({ jobId: 'jb', runNo: 2, filesDone: 7, bytesDone: 700 })]);
      const jobs = events.find((e) => e.event === 'jobs')?.data as { changed: { id: string; status: string }[] };
      expect(jobs.changed.map((j) => [j.id, j.status])).toEqual([['jb', 'running']]);
    }
    // Three clients, one poller: the polls in this window are those of one timer, not three.
    const polls = dash.live.polls - pollsBefore;
    expect(polls).toBeGreaterThan(0);
    expect(polls).toBeLessThan(30);
    while (dash.live.clientCount > 0) await sleep(20);
    const idle = dash.live.polls;
    await sleep(350);
    expect(dash.live.polls).toBe(idle);
  });

  it('keeps memory flat: 20 pages on the feed for 15 s while a run records progress (RSS growth under 40 MB)', async () => {
    const controller = new AbortController();
    const counts = new Array<number>(20).fill(0);
    const clients = counts.map((_, i) => readEvents(`${dash.baseUrl}/api/events`, auth(), (events) => {
      counts[i] = (counts[i] ?? 0) + events.length;
      events.splice(0, events.length);
      return false;
    }, controller.signal));
    while (dash.live.clientCount < 20) await sleep(20);
    let n = 0;
    const writer = setInterval(() => {
      n++;
      void recordProgress(jobDb, { job_id: 'ja', run_no: 3, at: Date.now(), files_done: n, files_failed: 0, bytes_done: n * 4096, files_to_copy: 1_000_000, bytes_to_copy: 4e9 });
      if (n % 10 === 0) void updateJob(jobDb, 'ja', { files_done: n });
    }, 20);
    await sleep(3000);
    const before = process.memoryUsage().rss;
    await sleep(12_000);
    const after = process.memoryUsage().rss;
    clearInterval(writer);
    controller.abort();
    await Promise.all(clients);
    const growthMb = (after - before) / 1048576;
    console.log(`dashboard live feed: 20 clients, ${n} progress samples, RSS ${(before / 1048576).toFixed(0)} -> ${(after / 1048576).toFixed(0)} MB (growth ${growthMb.toFixed(1)} MB), polls ${dash.live.polls}`);
    expect(n).toBeGreaterThan(300);
    // Every page was sent the deltas (about one event per poll).
    for (const c of counts) expect(c).toBeGreaterThan(50);
    expect(growthMb).toBeLessThan(40);
  }, 30_000);
});
