import { createHash } from 'node:crypto';
import { pino } from 'pino';
import { joinPath, parentPath, type Entry } from '../core/entry.js';
import { StorageError, isStorageError } from '../core/errors.js';
import type { JobDb } from '../state/db.js';
import { forgetDeletedItems, listItems, resetInterruptedItems, updateItems, type ItemRow } from '../state/items.js';
import { ItemUpdateQueue } from '../state/update-queue.js';
import { createJob, findJobByKey, finishRun, setDatasetWatermark, startRun, updateJob, upsertDataset } from '../state/jobs.js';
import { createPathFilter } from './filters.js';
import { ByteBudget, TaskPool, TokenBucket } from './limits.js';
import type { MetadataContext } from './metadata.js';
import { itemKey, ScanEntries } from './scan-entries.js';
import { newScanCounters, scanMapping, type ResolvedMapping, type ScanCounters } from './plan.js';
import { DEFAULT_RETRY } from './retry.js';
import { DirectoryChecks } from './source-check.js';
import { refreshJobCounters } from './job-counters.js';
import { startProgressRecorder } from './progress-recorder.js';
import type { MigrationEvent, MigrationOptions, MigrationSummary, Phase, PreserveKey } from './types.js';
import { PRESERVE_KEYS } from './types.js';
import { applyItemMetadata, cleanupTempFiles, copyFileItem, createDirectoryItem, deleteItem, newTally, type RunTally, type WorkerContext } from './worker.js';

/**
 * The library entry point of the migrate command (lift and shift, and the engine of incremental copy):
 * plan -> schedule -> transfer -> directory metadata -> deletes, from a durable plan in the job
 * database. Re-running with the same source, destinations and options continues the same job.
 *
 * Returns the run summary (status 'failed' when any item failed, 'cancelled' when the signal fired).
 * Throws StorageError('invalid-argument') for bad options before anything is written, and other
 * StorageErrors when the source cannot be listed at all.
 */
export async function runMigration(options: MigrationOptions): Promise<MigrationSummary> {
  const started = performance.now();
  const opts = resolveOptions(options);
  const { mappings } = opts;
  const filter = createPathFilter(options.include, options.exclude);
  const jobKey = computeJobKey(options, mappings, opts.preserve);
  const jobId = `j${jobKey.slice(0, 11)}`;
  const logger = (options.logger ?? pino({ level: 'silent' })).child({ jobId });
  const emit = (event: MigrationEvent): void => options.onEvent?.(event);
  const signal = options.signal;
  const phase = async (p: Phase): Promise<void> => {
    await options.beforePhase?.(p);
    logger.info({ phase: p }, 'phase.started');
    emit({ type: 'phase', phase: p, jobId });
  };
  const counters = newScanCounters();
  const nonEmpty: string[] = [];
  const kind = options.kind ?? 'lift-and-shift';
  const scanEntries = new ScanEntries();
  const scanAll = async (jobDb: JobDb | undefined, runNo: number, hasHistory: boolean, onBatch: () => void, runStartedMs?: number): Promise<void> => {
    for (const mapping of mappings) {
      const before = counters.destEntries;
      await scanMapping({
        jobDb, jobId, runNo, hasHistory, source: options.source, mapping, filter, kind, overwrite: opts.overwrite,
        checksum: options.checksum ?? false, delete: options.delete ?? false, preserve: opts.preserve,
        identityMap: options.identityMap, counters, signal,
        ...(runStartedMs === undefined ? {} : { runStartedMs }),
        ...(jobDb === undefined ? {} : { onCopyEntry: (relPath: string, entry: Entry) => scanEntries.put(mapping.name, relPath, entry) }),
        onSkip: (path, itemKind, reason) => emit({ type: 'item', path, kind: itemKind, outcome: 'skipped', size: 0, reason }),
        onBatch: () => {
          emit({ type: 'scan', files: counters.files, directories: counters.directories, bytes: counters.bytes, toCopy: counters.toCopy, bytesToCopy: counters.bytesToCopy });
          onBatch();
        },
      });
      if (counters.destEntries > before) nonEmpty.push(mapping.name);
    }
  };

  if (options.dryRun === true) {
    await phase('scan');
    await scanAll(undefined, 0, false, () => undefined);
    const summary = buildSummary({ jobId, runNo: 0, kind, dryRun: true, status: 'completed', started, counters, tally: newTally(), nonEmpty, unmapped: new Set(), dropped: new Set() });
    summary.bytes = counters.bytesToCopy;
    summary.files.copied = counters.toCopy;
    summary.deleted = counters.toDelete;
    emit({ type: 'done', summary });
    return summary;
  }

  const jobDb = options.jobDb;
  const existing = await findJobByKey(jobDb, jobKey);
  const job = existing ?? (await createJob(jobDb, {
    id: jobId, jobKey, kind, source: options.source.displayUri,
    dest: options.destDisplay ?? [...new Set(mappings.map((m) => m.dest.displayUri))].join(' '),
    options: describeOptions(options, mappings, opts.preserve),
  }));
  const run = await startRun(jobDb, job.id);
  logger.info({ runNo: run.run_no, resumed: existing !== undefined }, 'job.started');
  await updateJob(jobDb, job.id, { status: 'scanning', kind, options: JSON.stringify(describeOptions(options, mappings, opts.preserve)) });
  for (const m of mappings) await upsertDataset(jobDb, { jobId: job.id, name: m.name, sourcePrefix: m.sourcePrefix, dest: joinPath(m.dest.displayUri, m.destPath) });

  const interrupted = await resetInterruptedItems(jobDb, job.id);
  if (interrupted.length > 0) {
    logger.info({ count: interrupted.length }, 'job.resume_interrupted');
    for (const m of mappings) {
      const dirs = interrupted.filter((r) => r.dataset === m.name).map((r) => parentPath(joinPath(m.destPath, r.rel_path)));
      await cleanupTempFiles(m.dest, dirs, logger);
    }
  }

  const unmapped = new Set<string>();
  const dropped = new Set<string>();
  const meta: MetadataContext = { preserve: opts.preserve, translate: { identityMap: options.identityMap, unmapped, dropped }, retry: opts.retry, signal };
  const tally = newTally();
  const updates = new ItemUpdateQueue(jobDb);
  const ctx: WorkerContext = {
    jobDb, updates, dirsWithTimes: new Set(), dirsInFlight: new Map(), source: options.source, meta, tally, logger, signal, emit,
    transfer: {
      budget: new ByteBudget(opts.memoryBudget), bucket: opts.capMbps === undefined ? undefined : new TokenBucket(opts.capMbps),
      blockSize: opts.blockSize, chunkConcurrency: opts.chunkConcurrency, retry: opts.retry, signal,
      onBytes: (bytes) => emit({ type: 'bytes', bytes }),
      onResumed: (staged, chunks) => logger.info({ staged, chunks }, 'file.resumed'),
    },
    sourceChangeAttempts: options.sourceChangeAttempts ?? 3, fileAttempts: 3, scanEntries,
    checks: new DirectoryChecks(options.source, opts.retry, signal), settling: new Set(), sourceChanges: new Map(),
  };
  const byName = new Map(mappings.map((m) => [m.name, m]));
  const mappingOf = (row: ItemRow): ResolvedMapping => {
    const m = byName.get(row.dataset);
    if (m === undefined) throw new StorageError('invalid-argument', `The job database names a data set '${row.dataset}' that this command does not map.`);
    return m;
  };

  let status: MigrationSummary['status'] = 'completed';
  let deleteRefused: string | undefined;
  const progress = startProgressRecorder({ jobDb, jobId: job.id, runNo: run.run_no, tally, counters, logger });
  try {
    await phase('scan');
    let scanDone = false;
    let wake: () => void = () => undefined;
    const scan = scanAll(jobDb, run.run_no, existing !== undefined, () => wake(), run.started_at).finally(() => {
      scanDone = true;
      wake();
    });
    scan.catch(() => undefined);
    await phase('transfer');
    await updateJob(jobDb, job.id, { status: 'running' });
    const pool = new TaskPool(opts.concurrency);
    let failure: unknown;
    const guard = (p: Promise<void>): Promise<void> => p.catch((e: unknown) => {
      failure ??= e;
    });
    for (;;) {
      if (failure !== undefined || signal?.aborted) break;
      const doneBefore = scanDone;
      let batch = await claimWork(jobDb, job.id);
      if (batch.length === 0 && doneBefore) {
        // Everything is claimed: let the copies in flight finish and their source checks answer (a file
        // that changed while it was copied goes back to pending), then look again.
        await pool.drain();
        await settleChecks(ctx);
        await updates.flush();
        batch = await claimWork(jobDb, job.id);
        if (batch.length === 0) break;
      }
      if (batch.length === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 50);
        });
        continue;
      }
      // Claimed rows are 'copying' at once, so the next claim cannot pick them while they run.
      await updateItems(jobDb, batch.map((r) => r.id), { state: 'copying' });
      // Scan order puts a directory before its contents; a child waits for its parent's creation.
      for (const row of batch) {
        if (row.kind === 'directory') {
          const key = itemKey(row.dataset, row.rel_path);
          let release: () => void = () => undefined;
          ctx.dirsInFlight.set(key, new Promise<void>((resolve) => (release = resolve)));
          await pool.run(() => guard(createDirectoryItem(ctx, mappingOf(row), row)).finally(() => {
            ctx.dirsInFlight.delete(key);
            release();
          }));
        } else {
          await pool.run(() => guard(row.action === 'copy' ? copyFileItem(ctx, mappingOf(row), row) : applyItemMetadata(ctx, mappingOf(row), row)));
        }
      }
    }
    await pool.drain();
    await settleChecks(ctx);
    await scan;
    await updates.flush();
    if (failure !== undefined) throw failure;
    if (signal?.aborted) throw new StorageError('cancelled', 'The migration was cancelled.');

    await phase('acl');
    await forEachItem(jobDb, job.id, { kind: 'directory', actions: ['meta'], states: ['pending'] }, opts.concurrency, (row) => applyItemMetadata(ctx, mappingOf(row), row));
    await updates.flush();

    if (options.delete === true) {
      await phase('delete');
      const candidates = await listItems(jobDb, job.id, { actions: ['delete'], states: ['pending'], limit: opts.maxDelete + 1 });
      if (candidates.length > opts.maxDelete) {
        deleteRefused = `More than ${opts.maxDelete} destination paths are not in the source; nothing was deleted. Check the source and mappings, then rerun with a higher --max-delete if the deletions are intended.`;
        logger.warn({ maxDelete: opts.maxDelete }, 'delete.refused');
        status = 'failed';
      } else {
        // Descendants before their directories: reverse scan order.
        for (const row of [...candidates].sort((a, b) => b.id - a.id)) await deleteItem(ctx, mappingOf(row), row);
        await updates.flush();
        await forgetDeletedItems(jobDb, candidates.map((r) => r.id));
      }
    }
    if (tally.filesFailed + tally.dirsFailed > 0) status = 'failed';
  } catch (error) {
    // Outcomes recorded so far are kept (a failed write of them surfaces here only if nothing else failed).
    await updates.flush().catch((flushError: unknown) => logger.warn({ err: String(flushError) }, 'job.record_failed'));
    if (isStorageError(error, 'cancelled') || signal?.aborted) status = 'cancelled';
    else {
      await progress.stop();
      await finishRun(jobDb, job.id, run.run_no, 'failed', runTotals(tally));
      await updateJob(jobDb, job.id, { status: 'failed' });
      throw error;
    }
  }
  await progress.stop();
  await phase('done');
  await finishRun(jobDb, job.id, run.run_no, status, runTotals(tally));
  if (status !== 'cancelled') for (const m of mappings) await setDatasetWatermark(jobDb, job.id, m.name, run.started_at, run.run_no);
  await refreshJobCounters(jobDb, job.id, status);
  const summary = buildSummary({ jobId: job.id, runNo: run.run_no, kind, dryRun: false, status, started, counters, tally, nonEmpty, unmapped, dropped });
  if (deleteRefused !== undefined) summary.deleteRefused = deleteRefused;
  logger.info({ status, files: summary.files, bytes: summary.bytes }, 'job.finished');
  emit({ type: 'done', summary });
  return summary;
}

/** The id `runMigration` would use for these options (validates them like runMigration). */
export function predictJobId(options: MigrationOptions): string {
  const opts = resolveOptions(options);
  return `j${computeJobKey(options, opts.mappings, opts.preserve).slice(0, 11)}`;
}

/** Waits until every copy's source check has answered and its outcome is recorded. */
async function settleChecks(ctx: WorkerContext): Promise<void> {
  await ctx.checks.drain();
  while (ctx.settling.size > 0) await Promise.all([...ctx.settling]);
}

/**
 * Files in flight by default. Each small file costs about three requests in sequence (read, write, access
 * control), so over a link of 30 ms per request 128 files move ~1,400 files/s (AzCopy's default of 32
 * one-request uploads: ~1,000), while the byte budget (memoryBudget, 256 MiB) bounds memory whatever the
 * file sizes (docs/migrate-performance.md).
 */
export const DEFAULT_FILES_IN_FLIGHT = 128;

/**
 * Chunks of one large file in flight by default. Over a link of 30 ms per request each chunk waits
 * two round trips (ranged read, Put Block), so 4 per file left part of the byte budget (32 chunks of
 * 8 MiB) unused when few files are large; 8 fills it from four large files and keeps twice as many
 * of a single large file's chunks on the wire. Memory is bounded by the budget, not by this number.
 */
export const DEFAULT_CHUNKS_IN_FLIGHT = 8;

async function claimWork(jobDb: JobDb, jobId: string): Promise<ItemRow[]> {
  return jobDb.db.selectFrom('items').selectAll()
    .where('job_id', '=', jobId).where('state', '=', 'pending')
    .where((eb) => eb.or([
      eb.and([eb('kind', '=', 'file'), eb('action', 'in', ['copy', 'meta'])]),
      eb.and([eb('kind', '=', 'directory'), eb('action', '=', 'copy')]),
    ]))
    .orderBy('id').limit(256).execute();
}

async function forEachItem(jobDb: JobDb, jobId: string, q: Omit<Parameters<typeof listItems>[2], 'limit' | 'afterId'>, concurrency: number, fn: (row: ItemRow) => Promise<void>): Promise<void> {
  const pool = new TaskPool(concurrency);
  let failure: unknown;
  let afterId = 0;
  for (;;) {
    const rows = await listItems(jobDb, jobId, { ...q, afterId, limit: 500 });
    if (rows.length === 0 || failure !== undefined) break;
    for (const row of rows) await pool.run(() => fn(row).catch((e: unknown) => { failure ??= e; }));
    afterId = rows[rows.length - 1]?.id ?? afterId;
  }
  await pool.drain();
  if (failure !== undefined) throw failure;
}

function runTotals(t: RunTally): { filesCopied: number; filesFailed: number; filesSkipped: number; bytesCopied: number; deleted: number } {
  return { filesCopied: t.filesCopied, filesFailed: t.filesFailed + t.dirsFailed, filesSkipped: t.filesSkipped, bytesCopied: t.bytes, deleted: t.deleted };
}

export interface ResolvedOptions {
  mappings: ResolvedMapping[];
  preserve: ReadonlySet<PreserveKey>;
  overwrite: 'never' | 'if-newer' | 'always';
  concurrency: number;
  chunkConcurrency: number;
  blockSize: number;
  memoryBudget: number;
  capMbps: number | undefined;
  maxDelete: number;
  retry: typeof DEFAULT_RETRY;
}

function positiveInt(name: string, value: number | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) throw new StorageError('invalid-argument', `${name} must be a whole number from 1 to ${max}; got ${value}.`);
  return value;
}

/** Validates options and fills defaults. Throws StorageError('invalid-argument'). */
export function resolveOptions(o: MigrationOptions): ResolvedOptions {
  const rules = o.mappings ?? (o.dest === undefined ? [] : [{ sourcePrefix: '', dest: o.dest, destPath: '' }]);
  if (rules.length === 0) throw new StorageError('invalid-argument', 'No destination: give a destination store or at least one mapping.');
  const prefixes = rules.map((r) => r.sourcePrefix.replace(/^\/+|\/+$/g, ''));
  const mappings = rules.map((r, i): ResolvedMapping => {
    const sourcePrefix = prefixes[i] ?? '';
    return {
      name: r.name ?? (sourcePrefix === '' ? '/' : sourcePrefix), sourcePrefix, dest: r.dest,
      destPath: (r.destPath ?? '').replace(/^\/+|\/+$/g, ''),
      nested: prefixes.filter((p) => p !== sourcePrefix && (sourcePrefix === '' || p.startsWith(`${sourcePrefix}/`))),
    };
  });
  const names = new Set<string>();
  for (const m of mappings) {
    if (names.has(m.name)) throw new StorageError('invalid-argument', `Two mappings share the source prefix or name '${m.name}'. Give each source prefix once.`);
    names.add(m.name);
  }
  const preserve = new Set(o.preserve ?? PRESERVE_KEYS);
  for (const p of preserve) if (!PRESERVE_KEYS.includes(p)) throw new StorageError('invalid-argument', `Unknown preserve item '${String(p)}'; use ${PRESERVE_KEYS.join(', ')}.`);
  if (o.capMbps !== undefined && !(o.capMbps > 0)) throw new StorageError('invalid-argument', `The bandwidth cap must be a positive number of Mbit/s; got ${o.capMbps}.`);
  if (o.maxDelete !== undefined && (!Number.isInteger(o.maxDelete) || o.maxDelete < 0)) throw new StorageError('invalid-argument', `max-delete must be a whole number >= 0; got ${o.maxDelete}.`);
  return {
    mappings, preserve, overwrite: o.overwrite ?? 'never',
    concurrency: positiveInt('concurrency', o.concurrency, DEFAULT_FILES_IN_FLIGHT, 1024),
    chunkConcurrency: positiveInt('chunk concurrency', o.chunkConcurrency, DEFAULT_CHUNKS_IN_FLIGHT, 64),
    blockSize: positiveInt('block size', o.blockSize, 8 * 1024 * 1024, 4000 * 1024 * 1024),
    memoryBudget: positiveInt('memory budget', o.memoryBudget, 256 * 1024 * 1024),
    capMbps: o.capMbps, maxDelete: o.maxDelete ?? 1000, retry: o.retry ?? DEFAULT_RETRY,
  };
}

/**
 * The options that define a job: what is copied where, and how principals and metadata translate.
 * Run behaviour (lift-and-shift or incremental, overwrite policy, checksum, delete) is not part of it,
 * so `migrate A B` followed by `migrate A B --delete` continues the same job (its copies are known).
 */
function definingOptions(o: MigrationOptions, mappings: ResolvedMapping[], preserve: ReadonlySet<PreserveKey>): Record<string, unknown> {
  return {
    mappings: mappings.map((m) => ({ name: m.name, sourcePrefix: m.sourcePrefix, dest: m.dest.displayUri, destPath: m.destPath })),
    include: o.include ?? [], exclude: o.exclude ?? [], preserve: [...preserve].sort(),
    identityMap: o.identityMap === undefined ? null : createHash('sha256').update(JSON.stringify([...o.identityMap].sort())).digest('hex').slice(0, 16),
  };
}

/** The job record's options: the defining ones plus the latest run's behaviour (what `jobs resume` repeats). */
export function describeOptions(o: MigrationOptions, mappings: ResolvedMapping[], preserve: ReadonlySet<PreserveKey>): Record<string, unknown> {
  return {
    kind: o.kind ?? 'lift-and-shift', ...definingOptions(o, mappings, preserve),
    overwrite: o.overwrite ?? 'never', checksum: o.checksum ?? false, delete: o.delete ?? false,
  };
}

/** Same source, destinations and defining options -> same key (and so the same job). */
export function computeJobKey(o: MigrationOptions, mappings: ResolvedMapping[], preserve: ReadonlySet<PreserveKey>): string {
  return createHash('sha256').update(JSON.stringify({ source: o.source.displayUri, ...definingOptions(o, mappings, preserve) })).digest('hex');
}

function buildSummary(a: { jobId: string; runNo: number; kind: MigrationSummary['kind']; dryRun: boolean; status: MigrationSummary['status']; started: number; counters: ScanCounters; tally: RunTally; nonEmpty: string[]; unmapped: Set<string>; dropped: Set<string> }): MigrationSummary {
  const durationMs = Math.round(performance.now() - a.started);
  const c = a.counters;
  const t = a.tally;
  const skippedFiles = Object.values(c.skippedByReason).reduce((x, y) => x + y, 0);
  return {
    jobId: a.jobId, runNo: a.runNo, kind: a.kind, dryRun: a.dryRun, status: a.status, durationMs,
    scanned: { files: c.files, directories: c.directories, bytes: c.bytes },
    files: { copied: t.filesCopied, failed: t.filesFailed, skipped: skippedFiles + t.filesSkipped, unchanged: c.unchanged, metadataUpdated: t.filesMeta },
    directories: { created: t.dirsCreated, failed: t.dirsFailed, skipped: t.dirsSkipped },
    bytes: t.bytes, bytesPerSecond: durationMs > 0 ? Math.round((t.bytes * 1000) / durationMs) : 0, deleted: t.deleted,
    nonEmptyDestinations: a.nonEmpty, skippedByReason: c.skippedByReason, failures: t.failures, skipped: c.skipped,
    unmappedPrincipals: [...a.unmapped].sort(), droppedPrincipals: [...a.dropped].sort(),
  };
}
