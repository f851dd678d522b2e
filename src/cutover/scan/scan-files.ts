import { createRequire } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { open } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { throwIfCancelled } from '../../core/errors.js';
import type { CutoverMapping } from '../mapping.js';
import type { PrefilterResult } from './prefilter-batch.js';
import { analyzeBatch, prefilterHere, prefilterWorkerData, readFailure, scanBatch, scanBytes, type BatchOptions, type BatchResult, type FileRewrite } from './scan-batch.js';
import type { Finding, SkippedFile } from './types.js';
import { walkBatches, type WalkedFile } from './walk.js';

export type { FileRewrite } from './scan-batch.js';

/** Default size limit: larger files are skipped (and reported as skipped). */
export const DEFAULT_MAX_FILE_BYTES = 16 * 1024 * 1024;
const BATCH = 256;
/** Files this thread scans at a time while the workers are busy (then it looks for a worker with room again). */
const SLICE = 32;
/** Batches a worker holds at once, so the next one is there when it finishes one. */
const WORKER_DEPTH = 2;
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
   * Prefilter worker threads (they read files and look for the prefilter literals; the rules run in
   * this thread) for trees of more than 1,024 files, besides this thread. Default: defaultScanWorkers()
   * (one per core, at most 4, unless the machine is busy; 0 under tsx (sources, tests), where each
   * worker would compile the sources again).
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
 * The default number of prefilter worker threads (see ScanOptions.workers): one per core, at most 4,
 * when the machine is not busy (its 1-minute load average is below the core count), else none. The
 * workers do the reading and prefiltering and this thread the walk and the rules (and slices of
 * reading when the workers are full), so as many workers as cores keep every core busy, as ripgrep
 * runs one search thread per core; on a saturated machine the threads only add their start-up and
 * messaging (bench/cutover/README.md). None under tsx.
 */
export function defaultScanWorkers(cores = availableParallelism(), load = loadavg()[0] ?? 0): number {
  if (import.meta.url.endsWith('.ts')) return 0;
  return scanWorkersFor(cores, load);
}

/** defaultScanWorkers for the built code: one per core, at most 4, on a machine with idle capacity and more than one core. */
export function scanWorkersFor(cores: number, load: number): number {
  return cores > 1 && load < cores ? Math.min(cores, 4) : 0;
}

/**
 * The worker module next to this one: the built .js, or under tsx (sources, tests, benchmarks) the .ts
 * behind a two-line bootstrap that registers tsx in the worker first (`--import tsx` in a worker's
 * execArgv does not reach it on Node 20).
 */
function startWorker(data: ReturnType<typeof prefilterWorkerData>): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./scan-worker.js', import.meta.url), { workerData: data });
  const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const entry = new URL('./scan-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData: data });
}

interface WorkerSlot {
  worker: Worker;
  online: boolean;
  dead: boolean;
  inFlight: number;
}

interface PendingBatch {
  files: WalkedFile[];
  slot: WorkerSlot;
  resolve: (r: PrefilterResult) => void;
}

/**
 * Prefilter worker threads: a worker reads and prefilters a batch of files (scan-worker.ts) and the
 * rules then run in this thread on the files that passed. A worker that dies has its batches
 * prefiltered here instead.
 */
class BatchPool {
  private readonly slots: WorkerSlot[] = [];
  private readonly pending = new Map<number, PendingBatch>();
  private nextId = 0;
  private closing = false;
  constructor(private readonly options: BatchOptions, private readonly size: number) {}

  start(): void {
    for (let i = this.slots.length; i < this.size; i++) {
      const slot: WorkerSlot = { worker: startWorker(prefilterWorkerData(this.options)), online: false, dead: false, inFlight: 0 };
      slot.worker.on('message', (msg: { id: number; result: PrefilterResult }) => {
        const p = this.pending.get(msg.id);
        if (p === undefined) return;
        this.pending.delete(msg.id);
        slot.inFlight -= 1;
        p.resolve(msg.result);
      });
      slot.worker.once('online', () => {
        slot.online = true;
      });
      // An error is followed by 'exit', which hands the worker's batches to this thread.
      let failure = 'it stopped';
      slot.worker.on('error', (e) => {
        failure = e.message;
      });
      slot.worker.once('exit', () => {
        slot.dead = true;
        if (this.closing) return;
        process.emitWarning(`a scan worker thread failed (${failure}); its files were scanned in the main thread`, 'LakeshiftWarning');
        for (const [id, p] of this.pending) {
          if (p.slot !== slot) continue;
          this.pending.delete(id);
          p.resolve(prefilterHere(p.files.map((f) => f.abs), this.options.maxBytes));
        }
      });
      this.slots.push(slot);
    }
  }

  /** True when some worker is loaded and alive (this thread then scans small slices between hand-overs). */
  get active(): boolean {
    return this.slots.some((s) => s.online && !s.dead);
  }

  /** The loaded worker with the fewest batches, if it holds fewer than WORKER_DEPTH. */
  roomy(): WorkerSlot | undefined {
    let best: WorkerSlot | undefined;
    for (const s of this.slots) if (s.online && !s.dead && s.inFlight < WORKER_DEPTH && (best === undefined || s.inFlight < best.inFlight)) best = s;
    return best;
  }

  /** Prefilters a batch in the worker; the rules run here when it answers. */
  send(slot: WorkerSlot, files: WalkedFile[]): Promise<BatchResult> {
    const id = this.nextId++;
    slot.inFlight += 1;
    const result = new Promise<PrefilterResult>((resolve) => this.pending.set(id, { files, slot, resolve }));
    slot.worker.postMessage({ id, paths: files.map((f) => f.abs) });
    return result.then((pre) => analyzeBatch(files, pre, this.options));
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
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
      // Files walked and not yet handed out, taken in walk order (results keep that order).
      let queue: WalkedFile[] = [];
      let head = 0;
      const take = (n: number): WalkedFile[] => {
        const out = queue.slice(head, head + n);
        head += out.length;
        if (head >= 4 * BATCH) {
          queue = queue.slice(head);
          head = 0;
        }
        return out;
      };
      let seen = 0;
      // Hands out whole batches while at least `least` files wait: to a worker with room, else here. While
      // a worker is busy this thread scans only a slice and looks again, so the workers are never left
      // waiting for a batch while this thread is busy (the rules run here too).
      const handOut = async (least: number): Promise<void> => {
        while (queue.length - head >= least && queue.length > head) {
          throwIfCancelled(options.signal);
          const slot = pool.roomy();
          if (slot !== undefined) {
            results.push(pool.send(slot, take(BATCH)));
            continue;
          }
          results.push(scanBatch(take(pool.active ? SLICE : BATCH), batchOptions));
          // Let workers report back (and load) between what is scanned here.
          await new Promise((r) => setImmediate(r));
        }
      };
      for await (const folder of folders) {
        for (const f of folder) {
          if (exclude.size > 0 && exclude.has(f.abs)) continue;
          queue.push(f);
          seen += 1;
          if (seen === WORKERS_FROM) pool.start();
        }
        await handOut(BATCH);
      }
      await handOut(1);
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
