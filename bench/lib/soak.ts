import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Store } from '../../src/core/store.js';

/**
 * Soak harness: runs `lakeshift migrate SRC DST --every INTERVAL --output json` as a user runs it (a
 * process of its own), changes the source between runs, and samples the lakeshift process after each
 * run: resident memory, open file descriptors, and the job database's size on disk.
 */

export interface SoakSample {
  run: number;
  atMs: number;
  rssMb: number;
  openFds: number;
  /** Pages in use in the job database (its logical size). */
  dbBytes: number;
  walBytes: number;
  /** V8 heap in use after a full (mark-compact) GC, from --trace-gc: the lowest since the previous sample (else the latest); 0 before the first. */
  heapMb: number;
  /** Whether a full GC happened since the previous sample (else heapMb repeats an older figure). */
  heapFresh: boolean;
  copied: number;
  deleted: number;
  status: string;
}

export interface SoakOptions {
  source: Store;
  sourceUri: string;
  destUri: string;
  stateDir: string;
  /** `--every` value, e.g. '1s' or '1m'. */
  every: string;
  /** Stop after this many completed runs or this much time, whichever comes first. */
  maxRuns: number;
  maxMs: number;
  /** Files added, changed and deleted in the source after each run. */
  changesPerRun: number;
  /**
   * Keep the lake's size constant: each run adds `changesPerRun` files, rewrites one of the previous
   * run's and deletes every file the run before that added, so a growing figure is not the lake growing.
   */
  steady?: boolean;
  onSample?: (s: SoakSample) => void;
}

const ROOT = resolve(import.meta.dirname, '..', '..');

function rssMbOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

function fdsOf(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** The job database's logical size (pages in use, WAL included) and the WAL file's size on disk. */
function dbBytesOf(stateDir: string): { logical: number; wal: number } {
  const file = join(stateDir, 'jobs.db');
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    const pages = Number(db.pragma('page_count', { simple: true }));
    const size = Number(db.pragma('page_size', { simple: true }));
    let wal = 0;
    try {
      wal = statSync(`${file}-wal`).size;
    } catch {
      wal = 0;
    }
    return { logical: pages * size, wal };
  } finally {
    db.close();
  }
}

async function write(store: Store, path: string, text: string): Promise<void> {
  const body = Buffer.from(text);
  const w = await store.createWriter(path, { overwrite: true });
  await w.write(0, body);
  await w.commit({ size: body.length });
}

/** Steady mode: add run `run`'s files, rewrite one of run-1's, delete all of run-2's. */
async function changeSourceSteady(store: Store, run: number, count: number): Promise<void> {
  await store.mkdir('soak').catch(() => undefined);
  for (let i = 0; i < count; i++) await write(store, `soak/r${run}-${i}.txt`, `run ${run} file ${i} ${'x'.repeat(100 + ((run * 31 + i) % 900))}`);
  if (run > 1) await write(store, `soak/r${run - 1}-0.txt`, `changed in run ${run}`);
  if (run > 2) for (let i = 0; i < count; i++) await store.remove(`soak/r${run - 2}-${i}.txt`);
}

async function changeSource(store: Store, run: number, count: number): Promise<void> {
  await store.mkdir('soak').catch(() => undefined);
  for (let i = 0; i < count; i++) {
    const body = Buffer.from(`run ${run} file ${i} ${'x'.repeat(100 + ((run * 31 + i) % 900))}`);
    const w = await store.createWriter(`soak/r${run}-${i}.txt`, { overwrite: true });
    await w.write(0, body);
    await w.commit({ size: body.length });
    // Each run also rewrites one older file and deletes another, so updates and deletes keep happening.
    if (run > 1 && i === 0) {
      const old = await store.createWriter(`soak/r${run - 1}-1.txt`, { overwrite: true });
      const changed = Buffer.from(`changed in run ${run}`);
      await old.write(0, changed);
      await old.commit({ size: changed.length });
      await store.remove(`soak/r${run - 1}-2.txt`).catch(() => undefined);
    }
  }
}

function dbSizes(stateDir: string): { dbBytes: number; walBytes: number } {
  const { logical, wal } = dbBytesOf(stateDir);
  return { dbBytes: logical, walBytes: wal };
}

/** Runs the soak and returns one sample per completed run. Throws when the process fails. */
export async function runSoak(o: SoakOptions): Promise<SoakSample[]> {
  // --trace-gc prints one line per GC on stdout (skipped as non-JSON below): the heap left after each
  // full GC is what grows when something leaks, whatever the allocator does with RSS.
  const child = spawn(process.execPath, ['--trace-gc', join(ROOT, 'bin', 'lakeshift.js'), 'migrate', o.sourceUri, o.destUri, '--every', o.every, '--delete', '--output', 'json', '--state-dir', o.stateDir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LAKESHIFT_LOG_LEVEL: 'warn' },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<number>((done) => child.once('exit', (code) => done(code ?? -1)));
  const samples: SoakSample[] = [];
  const started = Date.now();
  const lines = createInterface({ input: child.stdout });
  try {
    let heapMb = 0;
    let sinceSample = false;
    for await (const line of lines) {
      const gc = /Mark-Compact[^\d]*[\d.]+ \([\d.]+\) -> ([\d.]+) \(/.exec(line);
      if (gc?.[1] !== undefined) {
        // The lowest since the last sample: a full GC in the middle of a run also counts that run's live data.
        heapMb = sinceSample ? Math.min(heapMb, Number(gc[1])) : Number(gc[1]);
        sinceSample = true;
        continue;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        continue;
      }
      const s = parsed as { type?: string; status?: string; files?: { copied?: number }; deleted?: number };
      if (s.type !== 'summary' || child.pid === undefined) continue;
      const sample: SoakSample = {
        run: samples.length + 1, atMs: Date.now() - started, rssMb: rssMbOf(child.pid), openFds: fdsOf(child.pid), ...dbSizes(o.stateDir), heapMb, heapFresh: sinceSample,
        copied: s.files?.copied ?? 0, deleted: s.deleted ?? 0, status: s.status ?? '?',
      };
      samples.push(sample);
      sinceSample = false;
      o.onSample?.(sample);
      if (samples.length >= o.maxRuns || Date.now() - started >= o.maxMs) break;
      await (o.steady === true ? changeSourceSteady : changeSource)(o.source, sample.run, o.changesPerRun);
    }
  } finally {
    child.kill('SIGINT');
  }
  const code = await Promise.race([exited, new Promise<number>((done) => setTimeout(() => done(-2), 20_000))]);
  if (code === -2) child.kill('SIGKILL');
  if (samples.length === 0) throw new Error(`lakeshift migrate --every printed no run summary (exit ${code}): ${stderr}`);
  return samples;
}

/** Least-squares slope of `y` per run: growth per run of a sampled figure. */
export function slopePerRun(samples: readonly SoakSample[], y: (s: SoakSample) => number): number {
  const n = samples.length;
  if (n < 2) return 0;
  const xs = samples.map((s) => s.run);
  const ys = samples.map(y);
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += ((xs[i] ?? 0) - mx) * ((ys[i] ?? 0) - my);
    den += ((xs[i] ?? 0) - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/**
 * The lowest post-GC heap of the first and the last `window` samples that saw a full GC: a leak lifts
 * the floor, while a run that happens to be mid-work when V8 collects only lifts single samples.
 */
export function heapFloors(samples: readonly SoakSample[], window: number): { first: number; last: number; n: number } | undefined {
  const fresh = samples.filter((s) => s.heapFresh && s.heapMb > 0);
  if (fresh.length < 2 * window) return undefined;
  const min = (xs: readonly SoakSample[]): number => Math.min(...xs.map((s) => s.heapMb));
  return { first: min(fresh.slice(0, window)), last: min(fresh.slice(-window)), n: fresh.length };
}
