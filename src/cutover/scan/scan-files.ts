import { createRequire } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { open } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { throwIfCancelled } from '../../core/errors.js';
import type { CutoverMapping } from '../mapping.js';
import { readFailure, scanBatch, scanBytes, type BatchOptions, type BatchResult, type FileRewrite } from './scan-batch.js';
import type { Finding, SkippedFile } from './types.js';
import { walkBatches, type WalkedFile } from './walk.js';

export type { FileRewrite } from './scan-batch.js';

/** Default size limit: larger files are skipped (and reported as skipped). */
export const DEFAULT_MAX_FILE_BYTES = 16 * 1024 * 1024;
const BATCH = 256;
/** Worker threads start only for trees with more files than this (their start-up costs more below). */
const WORKERS_FROM = 4 * BATCH;
const HOOK_CONCURRENCY = 16;

export interface ScanOptions {
  mapping?: CutoverMapping;
  maxFileBytes?: number;
  signal?: AbortSignal;
  /** Keep what rewrite needs for files with edits (scan alone does not). */
  collectRewrites?: boolean;
  /** Absolute paths never scanned (the mapping and plan files themselves). */
  exclude?: readonly string[];
  /** Reads a file (tests replace it to simulate read failures as root); the scan then stays in this thread. */
  readBytes?: (abs: string, maxBytes: number) => Promise<Buffer | { tooLarge: number }>;
  /**
   * Worker threads for trees of more than 1,024 files, besides this thread. Default: defaultScanWorkers()
   * (one per idle core beyond the first, at most 3, for the built code; 0 under tsx (sources, tests),
   * where each worker would compile the sources again).
   */
  workers?: number;
}

export interface ScanResult {
  files_scanned: number;
  findings: Finding[];
  skipped: SkippedFile[];
  rewrites: FileRewrite[];
}

/** Reads a whole file unless it is over the limit (one open, one fstat, one read). */
export async function readBytesLimited(abs: string, maxBytes: number): Promise<Buffer | { tooLarge: number }> {
  const fh = await open(abs, 'r');
  try {
    const { size } = await fh.stat();
    if (size > maxBytes) return { tooLarge: size };
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}

/**
 * The default number of worker threads (see ScanOptions.workers): one per core that is idle now (the
 * cores minus the 1-minute load average) beyond this thread's, at most 3. On a busy machine extra
 * threads only add their start-up and messaging (bench/cutover/README.md); under tsx none.
 */
export function defaultScanWorkers(cores = availableParallelism(), load = loadavg()[0] ?? 0): number {
  if (import.meta.url.endsWith('.ts')) return 0;
  return Math.max(0, Math.min(Math.floor(cores - load), cores - 1, 3));
}

/**
 * The worker module next to this one: the built .js, or under tsx (sources, tests, benchmarks) the .ts
 * behind a two-line bootstrap that registers tsx in the worker first (`--import tsx` in a worker's
 * execArgv does not reach it on Node 20).
 */
function startWorker(options: BatchOptions): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./scan-worker.js', import.meta.url), { workerData: options });
  const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const entry = new URL('./scan-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData: options });
}

/**
 * A pool of worker threads plus this thread: batches of files go to an idle worker, or are scanned
 * here when none is idle (so work starts before the workers have loaded). Results keep walk order.
 */
class BatchPool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly pending = new Map<number, (r: BatchResult) => void>();
  private failure: Error | undefined;
  constructor(private readonly options: BatchOptions, private readonly size: number) {}

  start(): void {
    for (let i = this.all.length; i < this.size; i++) {
      const w = startWorker(this.options);
      w.on('message', (msg: { id: number; result: BatchResult }) => {
        this.pending.get(msg.id)?.(msg.result);
        this.pending.delete(msg.id);
        this.idle.push(w);
      });
      w.once('online', () => this.idle.push(w));
      w.on('error', (e) => {
        this.failure ??= e;
      });
      this.all.push(w);
    }
  }

  /** Runs a batch on an idle worker, or here. */
  run(id: number, files: WalkedFile[]): Promise<BatchResult> | BatchResult {
    if (this.failure !== undefined) throw this.failure;
    const w = this.idle.pop();
    if (w === undefined) return scanBatch(files, this.options);
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      w.postMessage({ id, files });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
  }
}

async function* eachFile(folders: AsyncIterable<WalkedFile[]>): AsyncGenerator<WalkedFile> {
  for await (const folder of folders) yield* folder;
}

/**
 * Scans files and folders: batches of files are read synchronously and scanned in worker threads
 * (large trees) or this thread; with a readBytes hook, files are read through it with bounded
 * concurrency here. Every file is counted in files_scanned or listed in skipped with its reason
 * (binary, too large, unreadable, symbolic link, not a regular file). Findings come out in walk order,
 * and by line and column within a file. Throws StorageError('not-found') for a missing path.
 */
export async function scanFiles(paths: readonly string[], options: ScanOptions = {}): Promise<ScanResult> {
  const batchOptions: BatchOptions = { mapping: options.mapping, maxBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES, collectRewrites: options.collectRewrites === true };
  const walkSkipped: SkippedFile[] = [];
  const exclude = new Set(options.exclude ?? []);
  const results: (BatchResult | Promise<BatchResult>)[] = [];
  const folders = walkBatches(paths, walkSkipped, options.signal);

  if (options.readBytes !== undefined) {
    const read = options.readBytes;
    const inFlight = new Set<Promise<BatchResult>>();
    for await (const f of eachFile(folders)) {
      throwIfCancelled(options.signal);
      if (exclude.has(f.abs)) continue;
      const p: Promise<BatchResult> = (async () => {
        const out: BatchResult = { scanned: 0, skipped: [], findings: [], rewrites: [] };
        try {
          scanBytes(f, await read(f.abs, batchOptions.maxBytes), batchOptions, out);
        } catch (error) {
          out.skipped.push({ file: f.display, reason: readFailure(error) });
        }
        return out;
      })();
      const tracked = p.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      results.push(p);
      if (inFlight.size >= HOOK_CONCURRENCY) await Promise.race(inFlight);
    }
  } else {
    const pool = new BatchPool(batchOptions, Math.min(options.workers ?? defaultScanWorkers(), availableParallelism()));
    try {
      let batch: WalkedFile[] = [];
      let seen = 0;
      for await (const folder of folders) {
        for (const f of folder) {
          if (exclude.size > 0 && exclude.has(f.abs)) continue;
          batch.push(f);
          seen += 1;
          if (seen === WORKERS_FROM) pool.start();
          if (batch.length < BATCH) continue;
          throwIfCancelled(options.signal);
          results.push(pool.run(results.length, batch));
          batch = [];
          // Let finished workers report back between batches scanned here.
          await new Promise((r) => setImmediate(r));
        }
      }
      if (batch.length > 0) results.push(pool.run(results.length, batch));
      await Promise.all(results);
    } finally {
      await pool.close();
    }
  }
  throwIfCancelled(options.signal);
  const done = await Promise.all(results);
  const rewrites = done.flatMap((r) => r.rewrites).sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return {
    files_scanned: done.reduce((n, r) => n + r.scanned, 0),
    findings: done.flatMap((r) => r.findings),
    skipped: [...walkSkipped, ...done.flatMap((r) => r.skipped)],
    rewrites,
  };
}
