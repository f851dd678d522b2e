/**
 * Scale-out benchmark: 1, 2 and 4 `lakeshift worker` processes (bin/lakeshift.js, as a user starts
 * them) copy the small-file tree (bench/lib/trees.ts: 2000 x 64 KiB) from the Gen1 emulator to the
 * Gen2 emulator through a PostgreSQL job database with the queue in it (BullMQ's PostgreSQL backend),
 * first with no injected latency, then with 30 ms per request on both emulators.
 *
 * Per cell: files/s over the workers' wall time (first start to last exit), and the coordination
 * overhead the workers measure per batch (`batch.done` log lines: coordMs = the batch's manifest work,
 * from taking its lease to recording it done; wallMs = the batch's wall time over the same span): its
 * share of batch time, and per batch in ms. BullMQ's own statements (fetching, locking, completing
 * the job) run outside that span and are not in the figure.
 * Targets: coordination under 5 % of wall time; with 30 ms latency, 2 workers >= 1.6 x one worker.
 *
 * Usage (timed: under the bench lock, at normal priority; build first under nice):
 *   nice -n 15 npm run build
 *   flock /tmp/s6-bench.lock node --import tsx bench/scaleout/run.ts [--files N] [--batch-files N (default 500, the product's)] [--latency 0,30] [--workers 1,2,4]
 * PostgreSQL: LAKESHIFT_BENCH_PG (default postgres://postgres@127.0.0.1:5432/test), a fresh database
 * per run, dropped at the end.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { bulkLoadNamespace } from '../../src/emulators/gen1/bulk-load.js';
import { PEER_TREES, writeTree } from '../lib/trees.js';
import { localTreeEntries } from '../migrate/workloads.js';
import { DEFAULT_BATCH_FILES } from '../../src/scaleout/plan.js';
import { judge, lastJsonLine, loadNote, log, scratchDir, startGen1Child, startGen2Child } from '../migrate/env.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
};
const small = PEER_TREES.find((t) => t.name === 'small') ?? { name: 'small', files: 2000, bytesPerFile: 64 * 1024 };
const files = Number(opt('--files') ?? small.files);
// Default: the product's own batch size (what `migrate --distributed` uses without --batch-files).
const batchFiles = opt('--batch-files') ?? String(DEFAULT_BATCH_FILES);
const latencies = (opt('--latency') ?? '0,30').split(',').map(Number);
const counts = (opt('--workers') ?? '1,2,4').split(',').map(Number);
const workerArgs = (opt('--worker-args') ?? '').split(' ').filter((a) => a !== '');
const admin = process.env['LAKESHIFT_BENCH_PG'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const bin = resolve('bin/lakeshift.js');
if (!existsSync(resolve('dist/bundle/main.js'))) throw new Error('No dist/bundle/main.js: run `nice -n 15 npm run build` first (the workers run bin/lakeshift.js as a user runs it).');

interface Proc { code: number; stdout: string; stderr: string }
function run(cmd: string[], env: Record<string, string> = {}): Promise<Proc> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, ...cmd], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

interface Cell { parts: Record<string, number>; latency: number; workers: number; files: number; seconds: number; filesPerSecond: number; batches: number; coordShare: number; coordPerBatchMs: number; copyPerBatchMs: number; perFileCoordMs: number; load: string }

const scratch = mkdtempSync(join(tmpdir(), 'ls-bench-scaleout-'));
const dbName = `ls_bench_scaleout_${randomBytes(3).toString('hex')}`;
const adminClient = new pg.Client({ connectionString: admin });
await adminClient.connect();
await adminClient.query(`CREATE DATABASE ${dbName}`);
const stateUrl = new URL(admin);
stateUrl.pathname = `/${dbName}`;
const state = stateUrl.toString();
const cells: Cell[] = [];
try {
  const started = performance.now();
  const local = scratchDir(scratch, 'local');
  const gen1Dir = scratchDir(scratch, 'gen1');
  const dir = writeTree(local, { name: 'small', files, bytesPerFile: small.bytesPerFile });
  const loaded = await bulkLoadNamespace(gen1Dir, localTreeEntries(dir, 'small'), { batchSize: 4 });
  log(`setup: ${loaded.files} files x ${small.bytesPerFile / 1024} KiB bulk-loaded into Gen1 in ${((performance.now() - started) / 1000).toFixed(1)} s; batches of ${batchFiles} files; ${loadNote()}`);
  for (const latency of latencies) {
    const gen1 = await startGen1Child(gen1Dir, latency);
    const gen2 = await startGen2Child(latency);
    try {
      for (const n of counts) {
        const fs = `w${n}l${latency}`;
        const planned = await run(['migrate', `${gen1.gen1Url}/webhdfs/v1/small`, `${gen2.accountUrl}/${fs}`, '--distributed', '--state', state, '--batch-files', batchFiles, '--output', 'json']);
        if (planned.code !== 0) throw new Error(`migrate --distributed failed (exit ${planned.code}): ${planned.stderr.slice(-2000)}`);
        const t0 = performance.now();
        const runs = await Promise.all(Array.from({ length: n }, (_, i) => run(['worker', '--state', state, '--exit-when-idle', '--name', `b${i}`, '--output', 'json', ...workerArgs], { LAKESHIFT_LOG_LEVEL: 'info' })));
        const seconds = (performance.now() - t0) / 1000;
        const load = loadNote();
        let copied = 0;
        let batches = 0;
        let wall = 0;
        let coord = 0;
        const parts: Record<string, number> = {};
        for (const r of runs) {
          if (r.code !== 0) throw new Error(`a worker exited ${r.code}: ${r.stderr.slice(-2000)}`);
          copied += Number(lastJsonLine(r.stdout, 'worker')?.['files'] ?? 0);
          for (const line of r.stderr.split('\n')) {
            if (!line.includes('"batch.done"')) continue;
            const o = JSON.parse(line) as { wallMs: number; coordMs: number; coordParts?: Record<string, number> };
            for (const [k, v] of Object.entries(o.coordParts ?? {})) parts[k] = (parts[k] ?? 0) + v;
            batches++;
            wall += o.wallMs;
            coord += o.coordMs;
          }
        }
        if (copied !== files) throw new Error(`${n} workers copied ${copied} of ${files} files`);
        const cell: Cell = {
          parts, latency, workers: n, files: copied, seconds, filesPerSecond: copied / seconds, batches, coordShare: wall > 0 ? coord / wall : 0,
          coordPerBatchMs: coord / Math.max(1, batches), copyPerBatchMs: (wall - coord) / Math.max(1, batches), perFileCoordMs: coord / Math.max(1, copied), load,
        };
        cells.push(cell);
        log(`latency ${latency} ms, ${n} worker(s): ${copied} files in ${seconds.toFixed(1)} s = ${cell.filesPerSecond.toFixed(1)} files/s; ${batches} batches, coordination ${(cell.coordShare * 100).toFixed(1)} % of batch time (${cell.coordPerBatchMs.toFixed(0)} ms per batch against ${cell.copyPerBatchMs.toFixed(0)} ms copying; ${cell.perFileCoordMs.toFixed(2)} ms per file; ms per batch: ${Object.entries(parts).map(([k, v]) => `${k} ${(v / Math.max(1, batches)).toFixed(0)}`).join(', ')}) (${load})`);
      }
    } finally {
      await gen1.stop();
      await gen2.stop();
    }
  }
  log('');
  for (const latency of latencies) {
    const one = cells.find((c) => c.latency === latency && c.workers === 1);
    for (const c of cells.filter((x) => x.latency === latency && x.workers > 1)) {
      if (one === undefined) continue;
      const ratio = c.filesPerSecond / one.filesPerSecond;
      const target = latency >= 30 && c.workers === 2 ? ` (target >= 1.6: ${judge(ratio, 1.6, 'higher', 'x')})` : '';
      log(`latency ${latency} ms: ${c.workers} workers / 1 worker = ${ratio.toFixed(2)}x${target}`);
    }
  }
  const worst = Math.max(...cells.map((c) => c.coordShare));
  log(`coordination share, worst cell: ${(worst * 100).toFixed(1)} % (target < 5 %: ${judge(worst * 100, 5, 'lower', '%')})`);
  log(`JSON ${JSON.stringify({ files, batchFiles: Number(batchFiles), cells })}`);
} finally {
  await adminClient.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
  await adminClient.end();
  rmSync(scratch, { recursive: true, force: true });
}
