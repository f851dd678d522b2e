/**
 * The dashboard's memory over a long watch: `lakeshift serve` runs in a child process on the job
 * database of a migration that keeps running (Gen1 emulator -> Gen2 emulator, bandwidth-capped, a new
 * job whenever one finishes), while 20 "pages" follow it: each holds the live feed (/api/events) and
 * reloads the overview every 5 s, as a page does on a job change. The dashboard's RSS is sampled from
 * /proc every 10 s. The peer is the same server in the same run before any page connects (the first
 * minute): the figure is its RSS growth per minute with 20 pages (after a minute's warm-up) beside the
 * baseline's, and the RSS range.
 *
 *   node --import tsx bench/dashboard/run.ts [--minutes 10] [--pages 20]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGen1Emulator } from '../../src/emulators/gen1/index.js';
import { startGen2Emulator } from '../../src/emulators/gen2/index.js';
import { runLiftAndShift } from '../../src/patterns/lift-and-shift.js';
import { openSqliteJobDb } from '../../src/state/db.js';
import { openGen1, openGen2 } from '../../test/migrate-helpers.js';
import { readEvents, writeFiles } from '../../test/web/helpers.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const minutes = arg('minutes', 10);
const pages = arg('pages', 20);
const baselineMs = Math.min(60_000, (minutes * 60_000) / 5);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

const work = mkdtempSync(join(tmpdir(), 'lakeshift-bench-dash-'));
const gen1 = await startGen1Emulator({ inMemory: true });
const gen2 = await startGen2Emulator({ inMemory: true });
const lake = openGen1(gen1.url, '');
await writeFiles(lake, 'data', 400, 64 * 1024);
const stateDir = join(work, 'state');
const jobDb = await openSqliteJobDb(stateDir);

const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--state-dir', stateDir, '--output', 'json'], { stdio: ['ignore', 'pipe', 'inherit'] });
let line = '';
child.stdout.on('data', (d: Buffer) => (line += d.toString()));
while (!line.includes('\n')) await sleep(50);
const { baseUrl, url } = JSON.parse(line) as { baseUrl: string; url: string };
const token = new URL(url).searchParams.get('token') ?? '';
const headers = { authorization: `Bearer ${token}` };
const pid = child.pid ?? 0;

// The migration that keeps running: a new job (a new filesystem) each time one completes.
let stop = false;
let jobs = 0;
const migrating = (async () => {
  while (!stop) {
    jobs++;
    const dest = openGen2(gen2.url, `lake${jobs}`);
    await runLiftAndShift({ source: lake, dest, jobDb, concurrency: 4, capMbps: 40 });
    await dest.close();
  }
})();

const samples: { t: number; rss: number; phase: string }[] = [];
const started = Date.now();
const sampler = setInterval(() => samples.push({ t: (Date.now() - started) / 1000, rss: rssMb(pid), phase: samples.length === 0 || Date.now() - started < baselineMs ? 'baseline' : 'pages' }), 10_000);
samples.push({ t: 0, rss: rssMb(pid), phase: 'baseline' });
await sleep(baselineMs);

const controller = new AbortController();
let events = 0;
let reloads = 0;
const followers = Array.from({ length: pages }, () => readEvents(`${baseUrl}/api/events`, headers, (list) => {
  events += list.length;
  list.splice(0, list.length);
  return false;
}, controller.signal));
const reloader = setInterval(() => {
  for (let i = 0; i < pages; i++) void fetch(`${baseUrl}/api/overview`, { headers }).then((r) => r.arrayBuffer()).then(() => reloads++, () => undefined);
}, 5000);
await sleep(minutes * 60_000 - baselineMs);
clearInterval(reloader);
clearInterval(sampler);
samples.push({ t: (Date.now() - started) / 1000, rss: rssMb(pid), phase: 'pages' });
controller.abort();
await Promise.allSettled(followers);
stop = true;
await migrating;
child.kill('SIGINT');
await new Promise((r) => child.once('exit', r));
await jobDb.close();
await Promise.allSettled([lake.close(), gen1.close(), gen2.close()]);
rmSync(work, { recursive: true, force: true });

const slope = (xs: typeof samples): number => {
  const a = xs[0];
  const b = xs[xs.length - 1];
  return a === undefined || b === undefined || b.t === a.t ? 0 : ((b.rss - a.rss) * 60) / (b.t - a.t);
};
const base = samples.filter((s) => s.phase === 'baseline');
// The first minute with pages is warm-up (connections, caches, the first collections); the slope is taken after it.
const withPages = samples.filter((s) => s.phase === 'pages' && s.t >= baselineMs / 1000 + 60);
const firstPages = withPages[0];
const lastPages = withPages[withPages.length - 1];
console.log(`dashboard memory: ${minutes} min, ${pages} pages, ${jobs} migrate jobs, ${events} events delivered, ${reloads} overview reloads; load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`  RSS samples (s, MB): ${samples.map((s) => `${s.t.toFixed(0)}:${s.rss.toFixed(0)}`).join(' ')}`);
console.log(`  baseline (0 pages): ${slope(base).toFixed(2)} MB/min; with ${pages} pages (after a minute's warm-up): ${slope(withPages).toFixed(2)} MB/min; max ${Math.max(...samples.map((s) => s.rss)).toFixed(0)} MB`);
if (firstPages !== undefined && lastPages !== undefined) {
  const range = withPages.map((s) => s.rss);
  console.log(`  with pages: RSS ${firstPages.rss.toFixed(0)} -> ${lastPages.rss.toFixed(0)} MB (ratio last/first ${(lastPages.rss / firstPages.rss).toFixed(2)}; range ${Math.min(...range).toFixed(0)}-${Math.max(...range).toFixed(0)} MB)`);
}
