import type { Logger } from 'pino';
import { joinPath, parentPath } from '../core/entry.js';
import { StorageError } from '../core/errors.js';
import type { Store } from '../core/store.js';
import { ByteBudget, TaskPool, type TokenBucket } from '../engine/limits.js';
import type { MetadataContext } from '../engine/metadata.js';
import type { ResolvedMapping } from '../engine/plan.js';
import { DEFAULT_RETRY } from '../engine/retry.js';
import { itemKey } from '../engine/scan-entries.js';
import { DirectoryChecks } from '../engine/source-check.js';
import type { PreserveKey } from '../engine/types.js';
import { applyItemMetadata, cleanupTempFiles, copyFileItem, createDirectoryItem, newTally, type RunTally, type WorkerContext } from '../engine/worker.js';
import type { IdentityMap } from '../engine/acl-translate.js';
import type { JobDb } from '../state/db.js';
import type { ItemRow } from '../state/items.js';
import { assertLease, FencedUpdates, LeaseLostError, type Lease } from './lease.js';
import { claimBatchItems, completeBatch } from './manifest.js';
import { scaleoutDb } from './schema.js';

const HOLD_AFTER_FENCE = process.env['LAKESHIFT_TEST_HOLD_AFTER_FENCE'];

/** A job as one worker process runs it: stores opened once, mappings resolved. */
export interface JobRuntime {
  jobId: string;
  source: Store;
  mappings: ResolvedMapping[];
  preserve: ReadonlySet<PreserveKey>;
  identityMap?: IdentityMap | undefined;
  blockSize: number;
  delete: boolean;
  maxDelete: number;
}

export interface BatchSettings {
  /** Files in flight within the batch. */
  concurrency: number;
  bucket?: TokenBucket | undefined;
  logger: Logger;
  /** Time the caller spent taking the lease (ms): counted as this batch's coordination and wall time. */
  leaseMs?: number;
}

export interface BatchOutcome {
  filesDone: number;
  filesFailed: number;
  bytesDone: number;
  wallMs: number;
  coordMs: number;
}

/**
 * Runs one attempt at a copy batch under `lease`, with the engine's per-item lifecycles: directories
 * before their contents, files copied with the lease checked right before each destination commit,
 * every outcome written through the lease-fenced queue. Items an earlier attempt left `copying` get
 * their temp files removed first. Files whose source changed during the copy are copied again (the
 * engine's limit of attempts applies). Records the batch done (fenced) and returns its figures.
 *
 * Throws LeaseLostError when another worker took the batch over (nothing more was written).
 */
export async function runCopyBatch(jobDb: JobDb, lease: Lease, rt: JobRuntime, s: BatchSettings): Promise<BatchOutcome> {
  const leaseMs = s.leaseMs ?? 0;
  const started = performance.now() - leaseMs;
  let coordMs = leaseMs;
  // Where coordination time goes (logged with batch.done): taking the lease, claiming the items (select),
  // item writes, fence checks, cleanup, completion.
  const parts: Record<string, number> = { lease: leaseMs, select: 0, writes: 0, fence: 0, cleanup: 0, complete: 0 };
  const timed = async <T>(fn: () => Promise<T>, part = 'writes'): Promise<T> => {
    const t = performance.now();
    try {
      return await fn();
    } finally {
      const ms = performance.now() - t;
      coordMs += ms;
      parts[part] = (parts[part] ?? 0) + ms;
    }
  };
  const db = scaleoutDb(jobDb);
  const abort = new AbortController();
  const signal = abort.signal;
  const logger = s.logger.child({ jobId: rt.jobId, batch: lease.batchId });
  const updates = new FencedUpdates(jobDb, lease, () => abort.abort(new LeaseLostError(lease.batchId)));
  const byName = new Map(rt.mappings.map((m) => [m.name, m]));
  const mappingOf = (row: ItemRow): ResolvedMapping => {
    const m = byName.get(row.dataset);
    if (m === undefined) throw new StorageError('invalid-argument', `The job database names a data set '${row.dataset}' that job ${rt.jobId} does not map.`);
    return m;
  };
  // Claims the batch's items in `states` (marked copying, fenced) in one statement.
  const claim = async (states: string[], filesOnly = false): Promise<ItemRow[]> => {
    const sent = performance.now();
    const claimed = await timed(() => claimBatchItems(db, lease, states, Date.now(), filesOnly), 'select');
    if (!claimed.fenced) throw new LeaseLostError(lease.batchId);
    // It found the lease held no earlier than it was sent: that counts as a fence check (below).
    updates.confirmedAt = Math.max(updates.confirmedAt, sent);
    return claimed.rows;
  };
  let rows = await claim(['pending', 'copying']);
  const interrupted = rows.filter((r) => r.state === 'copying');
  if (interrupted.length > 0) {
    // An earlier attempt died mid-copy: its temp files go before anything is copied again.
    for (const m of rt.mappings) {
      const dirs = interrupted.filter((r) => r.dataset === m.name).map((r) => parentPath(joinPath(m.destPath, r.rel_path)));
      await timed(() => cleanupTempFiles(m.dest, dirs, logger), 'cleanup');
    }
  }
  let fenceInFlight: Promise<void> | undefined;
  const tally: RunTally = newTally();
  const meta: MetadataContext = { preserve: rt.preserve, translate: { identityMap: rt.identityMap, unmapped: new Set(), dropped: new Set() }, retry: DEFAULT_RETRY, signal };
  const ctx: WorkerContext = {
    jobDb, updates, dirsWithTimes: new Set(), dirsInFlight: new Map(), source: rt.source, meta, tally, logger, signal, emit: () => undefined,
    fence: async (row) => {
      // Where the destination's commit is conditional, it is what keeps a late worker from overwriting
      // another's file; the check here only stops such a worker early, so one check a second suffices.
      const relaxed = mappingOf(row).dest.capabilities.conditionalCommit === true && HOLD_AFTER_FENCE === undefined;
      // Any fenced statement of this batch that found the lease held counts as a check (item writes go out every 100 ms).
      if (relaxed && performance.now() - updates.confirmedAt < 1000) return;
      const t = performance.now();
      try {
        if (relaxed) {
          // One check in flight for all the batch's files (they would all ask at once otherwise). The
          // outcomes waiting to be written (this file's MD5 among them) go now: their fenced write is
          // the check, and a separate query is sent only when there was nothing to write.
          fenceInFlight ??= (async () => {
            const sent = performance.now();
            await updates.settle();
            if (updates.confirmedAt < sent) await assertLease(db, lease, false);
            updates.confirmedAt = Math.max(updates.confirmedAt, sent);
          })().finally(() => {
            fenceInFlight = undefined;
          });
          await fenceInFlight;
        } else {
          await assertLease(db, lease, false);
        }
        if (HOLD_AFTER_FENCE !== undefined && row.rel_path === HOLD_AFTER_FENCE) {
          // Test hook (LAKESHIFT_TEST_HOLD_AFTER_FENCE): pause between the fence check and the commit,
          // the window that the destination's conditional commit closes.
          logger.warn({ path: row.rel_path }, 'test.hold');
          await new Promise((resolve) => setTimeout(resolve, 3000));
        }
      } catch (error) {
        if (error instanceof LeaseLostError) {
          logger.warn({ batch: lease.batchId }, 'lease.lost');
          abort.abort(error);
        }
        throw error;
      } finally {
        const ms = (performance.now() - t) / Math.max(1, s.concurrency);
        coordMs += ms;
        parts['fence'] = (parts['fence'] ?? 0) + ms;
      }
    },
    transfer: {
      budget: new ByteBudget(256 * 1024 * 1024), bucket: s.bucket, blockSize: rt.blockSize, chunkConcurrency: 4, retry: DEFAULT_RETRY, signal,
    },
    sourceChangeAttempts: 3, fileAttempts: 3, checks: new DirectoryChecks(rt.source, DEFAULT_RETRY, signal), settling: new Set(), sourceChanges: new Map(),
  };
  let failure: unknown;
  const guard = (p: Promise<void>): Promise<void> => p.catch((e: unknown) => {
    failure ??= e;
  });
  for (let round = 0; rows.length > 0 && round < 5; round++) {
    const pool = new TaskPool(s.concurrency);
    for (const row of rows) {
      if (failure !== undefined || signal.aborted) break;
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
    await pool.drain();
    await ctx.checks.drain();
    while (ctx.settling.size > 0) await Promise.all([...ctx.settling]);
    await timed(() => updates.flush().catch((e: unknown) => { failure ??= e; }));
    if (signal.aborted) throw signal.reason instanceof LeaseLostError ? signal.reason : new LeaseLostError(lease.batchId);
    if (failure !== undefined) throw failure;
    // Files whose source changed while they were copied are pending again (as the writes returned): another round.
    // (Directories left pending are created; their ACLs and times are the finalize step's.)
    const again = rows.some((r) => r.kind === 'file' && updates.pendingIds.has(r.id));
    rows = again && round < 4 ? await claim(['pending'], true) : [];
    updates.pendingIds.clear();
  }
  const wallMs = Math.round(performance.now() - started);
  const outcome = await timed(() => completeBatch(db, lease, { finishedAt: Date.now(), wallMs, coordMs: Math.round(coordMs) }), 'complete');
  if (outcome === undefined) throw new LeaseLostError(lease.batchId);
  const coordParts = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, Math.round(v)]));
  logger.info({ ...outcome, wallMs, coordMs: Math.round(coordMs), coordParts }, 'batch.done');
  return { ...outcome, wallMs, coordMs: Math.round(coordMs) };
}
