import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { parentPath } from '../../core/entry.js';
import { isStorageError } from '../../core/errors.js';
import { cleanupTempFiles } from '../../engine/worker.js';
import { createPathFilter } from '../../engine/filters.js';
import { ByteBudget } from '../../engine/limits.js';
import type { MetadataContext } from '../../engine/metadata.js';
import { DEFAULT_RETRY } from '../../engine/retry.js';
import { md5OfFile } from '../../engine/transfer.js';
import { PRESERVE_KEYS } from '../../engine/types.js';
import { createPolicyResolver } from './conflicts.js';
import { BisyncStop } from './errors.js';
import { GroupCommit } from './commits.js';
import { commitStateOnly, runAction, type ExecContext, type Tally } from './execute.js';
import { acquireLease, defaultOwner, releaseLease, renewLease } from './lease.js';
import { listAndDetect, type Delta } from './listing.js';
import { checkGuards, checkTransfer, plannedBytes, planResync, planSync, type Plan, type PlanContext } from './plan.js';
import { pool } from './pool.js';
import type { Planned } from './renames.js';
import { baselineReader, compareText, filtersHash, loadPair, pairIdOf, savePair, seenRows, type BaselineReader, type SeenRows } from './state.js';
import { bisyncDb, type BisyncKysely } from './tables.js';
import { DEFAULT_COMPARE, type Action, type BisyncOptions, type BisyncSummary, type Side } from './types.js';
import { fenced, type Lease } from './lease.js';

/**
 * One bisync run on a pair: lease, preflight, list both sides, detect changes, plan, guards, execute
 * (each action committed at once), finish. See docs/bisync.md for the design and its invariants.
 */

const DEFAULT_SETTLE_MS = 120_000;
const DEFAULT_TTL_MS = 120_000;

/** Execution phases, in order; actions of one phase run concurrently. */
const PHASES: readonly (readonly Action['op'][])[] = [['meta'], ['mkdir'], ['rename-dir'], ['rename'], ['copy', 'conflict'], ['delete'], ['rmdir']];

function counts(items: readonly Planned[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of items) out[p.action.op] = (out[p.action.op] ?? 0) + 1;
  return out;
}

function metaContexts(o: BisyncOptions, signal: AbortSignal | undefined): { 1: MetadataContext; 2: MetadataContext } {
  const preserve = new Set(o.preserve ?? PRESERVE_KEYS);
  const retry = o.retry ?? DEFAULT_RETRY;
  const forward = o.identityMap;
  // Writes onto path1 come from path2: principals map back through the inverted identity map.
  const back = forward === undefined ? undefined : new Map([...forward].filter(([, t]) => t !== '').map(([s, t]) => [t, s]));
  return {
    1: { preserve, retry, signal, translate: { identityMap: back } },
    2: { preserve, retry, signal, translate: { identityMap: forward } },
  };
}

/**
 * Runs bisync once. Returns the summary; throws BisyncStop for a guard (nothing written), a pair that
 * needs --resync, a lease held by another run, or a listing failure (nothing written).
 */
export async function runBisync(o: BisyncOptions): Promise<BisyncSummary> {
  const started = Date.now();
  const now = o.now ?? Date.now;
  const logger = o.logger ?? pino({ level: 'silent' });
  const emit = o.onEvent ?? ((): void => undefined);
  const db = await bisyncDb(o.jobDb);
  const include = o.include ?? [];
  const exclude = o.exclude ?? [];
  const filter = createPathFilter(include, exclude);
  const compare = o.compare ?? [...DEFAULT_COMPARE];
  const pairId = pairIdOf(o.path1.displayUri, o.path2.displayUri);
  const runId = `${new Date(now()).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomUUID().slice(0, 8)}`;
  const resync = o.resync === true;
  const dryRun = o.dryRun === true;

  const pair = await loadPair(db, pairId);
  if (!resync) {
    if (pair === undefined) throw new BisyncStop('needs-resync', `No baseline for this pair yet (${o.path1.displayUri} <-> ${o.path2.displayUri}). Run once with --resync to build it (it copies one-sided files across and never deletes).`);
    if (pair.status !== 'ok') throw new BisyncStop('needs-resync', `The pair needs --resync: ${pair.lockout_reason ?? 'a previous resync did not finish'}.`);
    if (pair.filters_hash !== filtersHash(include, exclude)) throw new BisyncStop('needs-resync', 'The --include/--exclude filters differ from the ones the baseline was built with, so the baseline no longer describes the same files. Rerun with --resync (nothing is deleted), or use the original filters.');
    if (pair.compare !== compareText(compare)) throw new BisyncStop('needs-resync', `--compare ${compareText(compare)} differs from the baseline's '${pair.compare}'. Rerun with --resync, or use --compare ${pair.compare}.`);
  }

  const controller = new AbortController();
  const onAbort = (): void => controller.abort(o.signal?.reason);
  o.signal?.addEventListener('abort', onAbort);
  const signal = controller.signal;
  const ttl = o.leaseTtlMs ?? DEFAULT_TTL_MS;
  emit({ type: 'phase', phase: 'lease' });
  const lease = dryRun ? undefined : await acquireLease(db, pairId, { ttlMs: ttl, waitMs: o.lockWaitMs ?? 0, owner: o.owner ?? defaultOwner(), now, signal });
  if (lease?.takenOver !== undefined) logger.warn({ pairId, detail: lease.takenOver }, 'bisync.lease_takeover');
  let leaseError: unknown;
  const renew = lease === undefined ? undefined : setInterval(() => {
    renewLease(db, lease, ttl, now()).catch((error: unknown) => {
      leaseError = error;
      controller.abort(error);
    });
  }, Math.max(1000, Math.floor(ttl / 3)));
  renew?.unref();
  const tally: Tally = { done: {}, bytes: 0, failures: [], skipped: [], conflicts: [] };
  let seen: SeenRows | undefined;
  try {
    if (lease !== undefined) {
      await fenced(db, o.jobDb.dialect, lease, async (trx) => {
        await trx.insertInto('bisync_run').values({ run_id: runId, pair_id: pairId, mode: resync ? 'resync' : 'sync', started_at: now(), finished_at: null, outcome: null, counts_json: null, guard: null }).execute();
      });
    }
    const baseline = baselineReader(db, pairId);
    seen = await seenRows(db, pairId, runId, Date.now());
    emit({ type: 'phase', phase: 'list' });
    const list = await listAndDetect(o.path1, o.path2, baseline, seen, {
      filter, compare: new Set(compare), settleMs: resync ? 0 : (o.settleMs ?? DEFAULT_SETTLE_MS), withDirs: o.createEmptyDirs === true, keepAll: resync, now: now(), signal,
    });
    emit({ type: 'listed', side: 1, entries: list.files.path1 });
    emit({ type: 'listed', side: 2, entries: list.files.path2 });
    o.crashAt?.('after-listing');
    emit({ type: 'phase', phase: 'plan' });
    const planCtx = planContext(o, baseline, signal, now());
    const plan: Plan = resync ? await planResync(list, o.resyncMode ?? 'path1', planCtx) : await planSync(list, planCtx);
    await seen.clear();
    const baselineFiles = (await baseline.count()).files;
    // A resync deletes nothing and settles every conflict: of the guards only the transfer limit applies.
    const guard = resync ? checkTransfer(plan, o.maxTransferBytes) : checkGuards(plan, list, {
      maxDeletePercent: o.maxDeletePercent ?? 50, maxDeleteCount: o.maxDeleteCount, maxConflicts: o.maxConflicts ?? 100, force: o.force === true, baselineFiles, allChangedMinFiles: o.allChangedMinFiles, checkAccess: o.checkAccess,
      maxTransferBytes: o.maxTransferBytes, maxRenames: o.maxRenames,
    });
    const summary: BisyncSummary = {
      pairId, runId, mode: resync ? 'resync' : 'sync', dryRun, outcome: 'ok', durationMs: 0, listed: { path1: list.files.path1, path2: list.files.path2 },
      outOfSync: list.outOfSync, planned: counts(plan.items), done: tally.done, bytes: 0, plannedBytes: plannedBytes(plan), deferred: list.deferred.length, conflicts: tally.conflicts, failures: tally.failures,
      skipped: [...plan.rejected.map((r) => ({ path: r.path, reason: r.reason })), ...list.deferred.map((p) => ({ path: p, reason: 'changed within the settle window; deferred to a later run' }))],
      ...(lease?.takenOver === undefined ? {} : { leaseTakenOver: lease.takenOver }),
    };
    if (dryRun) summary.plan = plan.items.map((p) => p.action);
    if (guard !== undefined) {
      summary.outcome = 'guard';
      summary.guard = guard;
      if (lease !== undefined) await finishRun(db, o.jobDb.dialect, lease, runId, summary);
      throw new BisyncStop('guard', `Guard tripped, nothing was changed: ${guard}`);
    }
    if (!dryRun && lease !== undefined) {
      emit({ type: 'phase', phase: 'execute' });
      if (resync) {
        // Marked before the first write (after the guards, so a guard stop leaves the pair as it was).
        await fenced(db, o.jobDb.dialect, lease, async (trx) => {
          await savePair(trx, {
            pair_id: pairId, path1_uri: o.path1.displayUri, path2_uri: o.path2.displayUri, compare: compareText(compare), filters_hash: filtersHash(include, exclude),
            status: 'needs_resync', lockout_reason: 'a resync started and has not finished; rerun it with --resync', created_at: pair?.created_at ?? now(), last_run: runId,
          });
        });
      }
      const ctx = execContext(o, db, lease, pairId, runId, baseline, signal, tally, logger, emit);
      await cleanUpAfterCrash(db, o, lease, runId, plan, logger);
      // State-only actions (equal content adopted, rows of paths gone from both sides) commit in batches.
      await commitStateOnly(ctx, plan.items.filter((p) => p.action.op === 'adopt' || p.action.op === 'drop'));
      for (const ops of PHASES) {
        let items = plan.items.filter((p) => ops.includes(p.action.op));
        if (ops.includes('mkdir')) items = items.sort((a, b) => a.action.path.split('/').length - b.action.path.split('/').length);
        if (ops.includes('rmdir')) items = items.sort((a, b) => b.action.path.split('/').length - a.action.path.split('/').length);
        const sequential = ops.includes('mkdir') || ops.includes('rmdir') || ops.includes('rename-dir');
        await pool(items, sequential ? 1 : (o.concurrency ?? 8), (p) => runAction(ctx, p));
      }
      logger.info({ runId, transactions: ctx.commits.transactions }, 'bisync.state_commits');
      if (resync) {
        await fenced(db, o.jobDb.dialect, lease, async (trx) => {
          await trx.updateTable('bisync_pair').set({ status: 'ok', lockout_reason: null }).where('pair_id', '=', pairId).execute();
        });
      }
    }
    summary.bytes = tally.bytes;
    summary.skipped.push(...tally.skipped);
    const unresolved = tally.conflicts.some((c) => c.winner === undefined);
    summary.outcome = tally.failures.length > 0 || unresolved || list.outOfSync.length > 0 ? 'failures' : 'ok';
    if (list.outOfSync.length > 0) logger.warn({ paths: list.outOfSync.slice(0, 100) }, 'bisync.out_of_sync');
    summary.durationMs = Date.now() - started;
    if (lease !== undefined) await finishRun(db, o.jobDb.dialect, lease, runId, summary);
    emit({ type: 'done', summary });
    return summary;
  } catch (error) {
    if (leaseError !== undefined) throw leaseError;
    if (isStorageError(error, 'cancelled') && o.signal?.aborted !== true && signal.aborted) throw signal.reason;
    throw error;
  } finally {
    if (renew !== undefined) clearInterval(renew);
    await seen?.clear().catch(() => undefined);
    o.signal?.removeEventListener('abort', onAbort);
    if (lease !== undefined) await releaseLease(db, lease).catch(() => undefined);
  }
}

async function finishRun(db: BisyncKysely, dialect: 'sqlite' | 'postgres', lease: Lease, runId: string, s: BisyncSummary): Promise<void> {
  await fenced(db, dialect, lease, async (trx) => {
    await trx.updateTable('bisync_run').set({
      finished_at: Date.now(), outcome: s.outcome, guard: s.guard ?? null,
      counts_json: JSON.stringify({ planned: s.planned, done: s.done, failures: s.failures.length, conflicts: s.conflicts.length, bytes: s.bytes }),
    }).where('run_id', '=', runId).execute();
    await trx.updateTable('bisync_pair').set({ last_run: runId }).where('pair_id', '=', lease.pairId).execute();
  });
}

/**
 * After a run that did not finish (killed), removes the hidden writer temporaries it may have left
 * in the directories this run writes to (stores hide them from listings), and closes its record.
 */
async function cleanUpAfterCrash(db: BisyncKysely, o: BisyncOptions, lease: Lease, runId: string, plan: Plan, logger: ExecContext['logger']): Promise<void> {
  const open = await db.selectFrom('bisync_run').select('run_id').where('pair_id', '=', lease.pairId).where('finished_at', 'is', null).where('run_id', '!=', runId).execute();
  if (open.length === 0) return;
  const dirs = { 1: new Set<string>(), 2: new Set<string>() };
  for (const { action } of plan.items) {
    if ((action.op === 'copy' || action.op === 'conflict') && action.side !== undefined) dirs[action.side].add(parentPath(action.path));
    if (action.op === 'conflict') {
      dirs[1].add(parentPath(action.path));
      dirs[2].add(parentPath(action.path));
    }
  }
  const removed = [await cleanupTempFiles(o.path1, dirs[1], logger), await cleanupTempFiles(o.path2, dirs[2], logger)];
  logger.info({ interrupted: open.map((r) => r.run_id), removed }, 'bisync.recovered');
  await fenced(db, o.jobDb.dialect, lease, async (trx) => {
    await trx.updateTable('bisync_run').set({ finished_at: Date.now(), outcome: 'interrupted' }).where('pair_id', '=', lease.pairId).where('finished_at', 'is', null).where('run_id', '!=', runId).execute();
  });
}

function planContext(o: BisyncOptions, baseline: BaselineReader, signal: AbortSignal, nowMs: number): PlanContext {
  const stores = { 1: o.path1, 2: o.path2 };
  const maxHash = o.renameHashMaxBytes ?? 64 * 1024 * 1024;
  const hashOf = async (side: Side, path: string): Promise<string> => md5OfFile(stores[side], path, signal);
  return {
    stores, now: nowMs, detectRenames: o.detectRenames !== false, concurrency: o.concurrency ?? 8,
    resolver: createPolicyResolver(o.conflictResolve ?? 'newer', o.conflictRules ?? []),
    async equalContent(d: Delta) {
      const { e1, e2 } = d;
      if (e1?.kind !== 'file' || e2?.kind !== 'file' || e1.size !== e2.size) return undefined;
      if (e1.contentMd5 !== undefined && e2.contentMd5 !== undefined) return e1.contentMd5 === e2.contentMd5 ? e1.contentMd5 : undefined;
      const [h1, h2] = await Promise.all([e1.contentMd5 ?? hashOf(1, d.path), e2.contentMd5 ?? hashOf(2, d.path)]);
      return h1 === h2 ? h1 : undefined;
    },
    async fingerprint(side, d) {
      const e = side === 1 ? d.e1 : d.e2;
      if (e?.kind !== 'file') return undefined;
      if (e.contentMd5 !== undefined) return e.contentMd5;
      return e.size <= maxHash ? hashOf(side, d.path) : undefined;
    },
    baselineFilesUnder: (dir) => baseline.filesUnder(dir),
  };
}

function execContext(o: BisyncOptions, db: BisyncKysely, lease: Lease, pairId: string, runId: string, baseline: BaselineReader, signal: AbortSignal, tally: Tally, logger: ExecContext['logger'], emit: ExecContext['emit']): ExecContext {
  return {
    stores: { 1: o.path1, 2: o.path2 }, db, dialect: o.jobDb.dialect, lease, pairId, runId, baseline, logger, signal, emit, tally,
    commits: new GroupCommit(db, o.jobDb.dialect, lease, pairId, runId),
    meta: metaContexts(o, signal), loser: o.conflictLoser ?? 'backup', crashAt: o.crashAt,
    transfer: { budget: new ByteBudget(256 * 1024 * 1024), blockSize: o.blockSize ?? 8 * 1024 * 1024, chunkConcurrency: 4, retry: o.retry ?? DEFAULT_RETRY, signal },
  };
}
