import type { Logger } from 'pino';
import { joinPath, parentPath, type Entry } from '../core/entry.js';
import { StorageError, isStorageError } from '../core/errors.js';
import type { Store } from '../core/store.js';
import type { JobDb } from '../state/db.js';
import type { ItemPatch, ItemRow } from '../state/items.js';
import { accessControlAtCreate, applyMetadata, planAcl, readSourceAcl, timeProperties, type MetadataContext } from './metadata.js';
import type { ResolvedMapping } from './plan.js';
import { backoffDelay, describeError, isRetryable, sleep, withRetry } from './retry.js';
import { copyFileData, type TransferContext } from './transfer.js';
import { itemKey, type ScanEntries } from './scan-entries.js';
import type { CheckOutcome, DirectoryChecks } from './source-check.js';
import type { MigrationEvent } from './types.js';

/**
 * Per-item lifecycles: file copy (prologue: stat + ACL plan; chunks; epilogue: commit, metadata,
 * verify; cleanup on failure), metadata-only updates, directory creation and deletion. Every outcome
 * is recorded in the job database before the next step depends on it.
 */

export interface RunTally {
  filesCopied: number;
  filesFailed: number;
  filesSkipped: number;
  filesMeta: number;
  dirsCreated: number;
  dirsFailed: number;
  dirsSkipped: number;
  bytes: number;
  deleted: number;
  failures: { path: string; error: string }[];
}

export function newTally(): RunTally {
  return { filesCopied: 0, filesFailed: 0, filesSkipped: 0, filesMeta: 0, dirsCreated: 0, dirsFailed: 0, dirsSkipped: 0, bytes: 0, deleted: 0, failures: [] };
}

/** Where item outcomes are recorded (ItemUpdateQueue; scale-out's lease-fenced queue). */
export interface ItemUpdateSink {
  push(id: number, patch: ItemPatch): void;
  flush(): Promise<void>;
}

export interface WorkerContext {
  jobDb: JobDb;
  /** Every item outcome goes through this queue (in order); flushed before anything reads them. */
  updates: ItemUpdateSink;
  /**
   * Awaited right before a file's destination commit (scale-out: the worker's lease on the file's batch
   * is checked here; a rejection stops the commit, so a worker that lost its lease overwrites nothing).
   */
  fence?: ((row: ItemRow) => Promise<void>) | undefined;
  /** Directories this run created with their time properties (their ACL phase needs no source stat). */
  dirsWithTimes: Set<number>;
  /** Directory creations in flight, by data set and relative path: children wait for their parent. */
  dirsInFlight: Map<string, Promise<void>>;
  source: Store;
  meta: MetadataContext;
  transfer: TransferContext;
  sourceChangeAttempts: number;
  /** Source entries from the scan: a copy whose entry is here starts without a stat. */
  scanEntries?: ScanEntries | undefined;
  /** The check that sources did not change while copied (one listing per directory). */
  checks: DirectoryChecks;
  /** Copies waiting for their source check's answer; migrate waits for them before it claims again. */
  settling: Set<Promise<void>>;
  /** Times each row's source changed during its copy (by row id). */
  sourceChanges: Map<number, number>;
  /** Whole-file attempts for retryable failures (each call inside is retried too). */
  fileAttempts: number;
  tally: RunTally;
  logger: Logger;
  signal?: AbortSignal | undefined;
  emit(event: MigrationEvent): void;
}

function isCancel(error: unknown, ctx: WorkerContext): boolean {
  return isStorageError(error, 'cancelled') || ctx.signal?.aborted === true;
}

async function fail(ctx: WorkerContext, row: ItemRow, path: string, error: unknown): Promise<void> {
  const message = describeError(error);
  ctx.updates.push(row.id, { state: 'failed', last_error: message, attempts: row.attempts + 1 });
  if (row.kind === 'file') ctx.tally.filesFailed++;
  else ctx.tally.dirsFailed++;
  if (ctx.tally.failures.length < 100) ctx.tally.failures.push({ path, error: message });
  ctx.logger.warn({ path, err: message }, 'item.failed');
  ctx.emit({ type: 'item', path, kind: row.kind, outcome: 'failed', size: row.size, reason: message });
}

async function skipGone(ctx: WorkerContext, row: ItemRow, path: string): Promise<void> {
  const reason = 'the source path disappeared after the scan';
  ctx.updates.push(row.id, { state: 'skipped', skip_reason: reason });
  if (row.kind === 'file') ctx.tally.filesSkipped++;
  else ctx.tally.dirsSkipped++;
  ctx.emit({ type: 'item', path, kind: row.kind, outcome: 'skipped', size: row.size, reason });
}

async function statSource(ctx: WorkerContext, path: string): Promise<Entry | undefined> {
  try {
    return await withRetry(() => ctx.source.stat(path, ctx.signal ? { signal: ctx.signal } : {}), { policy: ctx.meta.retry, signal: ctx.signal });
  } catch (error) {
    if (isStorageError(error, 'not-found')) return undefined;
    throw error;
  }
}

async function destinationEtag(ctx: WorkerContext, dest: Store, path: string): Promise<string | undefined> {
  try {
    return (await withRetry(() => dest.stat(path, ctx.signal ? { signal: ctx.signal } : {}), { policy: ctx.meta.retry, signal: ctx.signal })).etag;
  } catch (error) {
    if (isStorageError(error, 'not-found')) return undefined;
    throw error;
  }
}

/** Copies one file (state copying is already recorded). Never throws except on cancellation. */
export async function copyFileItem(ctx: WorkerContext, mapping: ResolvedMapping, row: ItemRow): Promise<void> {
  const sourcePath = joinPath(mapping.sourcePrefix, row.rel_path);
  const destPath = joinPath(mapping.destPath, row.rel_path);
  const dest = mapping.dest;
  await parentReady(ctx, mapping, row.rel_path);
  // The scan's entry, while it still describes the row (the check before commit catches any later change).
  let known = ctx.scanEntries?.take(mapping.name, row.rel_path);
  if (known !== undefined && (known.kind !== 'file' || known.size !== row.size || known.mtimeMs !== row.mtime_ms)) known = undefined;
  let checking = false;
  // Fenced runs (scale-out) on a store whose commit is conditional: the commit names what this attempt
  // saw at the destination (absent, or this ETag), so a worker that lost its lease while paused
  // between its fence check and its commit cannot overwrite a file another worker committed since.
  const conditional = ctx.fence !== undefined && dest.capabilities.conditionalCommit === true;
  let destEtag: string | undefined;
  let conflicts = 0;
  for (let attempt = 1; ; attempt++) {
    const fromScan = known !== undefined;
    try {
      const entry = known ?? await statSource(ctx, sourcePath);
      known = undefined;
      if (entry === undefined || entry.kind !== 'file') return await skipGone(ctx, row, sourcePath);
      const acl = planAcl(await readSourceAcl(ctx.source, sourcePath, entry, ctx.meta), 'file', ctx.meta);
      const perms = acl?.permissions ?? entry.permissions;
      const props = timeProperties(dest, entry, ctx.meta);
      // Owner, group and ACL in the create call where the destination can (Gen2: no request after it).
      const atCreate = accessControlAtCreate(dest, 'file', acl, ctx.meta);
      const writeOptions = {
        overwrite: !conditional,
        ...(conditional && destEtag !== undefined ? { ifMatch: destEtag } : {}),
        // The version being copied: an interrupted copy of the same version can be taken over.
        resumeKey: `${entry.size}:${entry.mtimeMs}:${entry.etag ?? ''}:${ctx.transfer.blockSize}`,
        ...(atCreate === undefined && (ctx.meta.preserve.has('permissions') || ctx.meta.preserve.has('acl')) && dest.capabilities.permissions && perms !== undefined ? { permissions: perms & 0o777 } : {}),
        ...(atCreate === undefined ? {} : { accessControl: atCreate }),
        ...(Object.keys(props).length > 0 ? { properties: props } : {}),
      };
      ctx.checks.begin(sourcePath);
      checking = true;
      const { md5, committed } = await copyFileData(ctx.source, sourcePath, dest, destPath, entry.size, writeOptions, ctx.transfer, async (digest) => {
        // Recorded before commit: after a crash the rerun recognises its own committed copy by MD5.
        ctx.updates.push(row.id, { md5: digest, size: entry.size, mtime_ms: entry.mtimeMs, source_etag: entry.etag ?? null });
        if (ctx.fence !== undefined) await ctx.fence(row);
      });
      await applyMetadata(dest, destPath, 'file', entry, acl, ctx.meta, { propertiesSet: true, compareFirst: false, accessControlSet: atCreate !== undefined });
      if (committed.size !== entry.size || (committed.contentMd5 !== undefined && committed.contentMd5 !== md5)) {
        throw new StorageError('integrity-mismatch', `The destination reports ${committed.size} bytes (MD5 ${committed.contentMd5 ?? 'none'}) after writing ${entry.size} bytes (MD5 ${md5}).`, { path: destPath });
      }
      const state = committed.contentMd5 === md5 ? 'verified' : 'copied';
      // The row stays 'copying' (a crash recopies it) until one listing of the source directory, taken
      // after this copy, shows the file unchanged; the pool slot is free meanwhile.
      checking = false;
      const done = ctx.checks.settle(sourcePath, entry).then(
        (outcome) => afterSourceCheck(ctx, row, sourcePath, destPath, dest, entry, state, attempt, outcome),
        (error: unknown) => isCancel(error, ctx) ? ctx.updates.push(row.id, { state: 'pending' }) : fail(ctx, row, sourcePath, error),
      ).catch((error: unknown) => fail(ctx, row, sourcePath, error));
      ctx.settling.add(done);
      void done.finally(() => ctx.settling.delete(done));
      return;
    } catch (error) {
      if (checking) {
        checking = false;
        ctx.checks.abandon(sourcePath);
      }
      if (isCancel(error, ctx)) {
        ctx.updates.push(row.id, { state: 'pending' });
        throw error;
      }
      // Gone since the scan: the next attempt stats it (and skips it when it is really gone).
      if (fromScan && isStorageError(error, 'not-found')) continue;
      // The destination is not what this attempt expected: look at it again; the next attempt's fence
      // check decides whether this worker may still replace it.
      if (conditional && conflicts < 3 && (isStorageError(error, 'already-exists') || isStorageError(error, 'precondition-failed'))) {
        conflicts++;
        destEtag = await destinationEtag(ctx, dest, destPath);
        ctx.logger.info({ path: destPath, etag: destEtag ?? null }, 'file.dest_changed');
        continue;
      }
      if (isRetryable(error) && attempt < ctx.fileAttempts) {
        const delay = backoffDelay(attempt, ctx.meta.retry, error);
        ctx.logger.info({ path: sourcePath, attempt, delay, err: describeError(error) }, 'file.retry');
        await sleep(delay, ctx.signal);
        continue;
      }
      return fail(ctx, row, sourcePath, error);
    }
  }
}

/**
 * Records a file copy once the source check answered: done when the file is unchanged; copied again
 * (the row back to pending) when it changed while it was copied, failed after sourceChangeAttempts
 * changes (and the copy removed: nothing of an unstable version stays visible); skipped and its copy
 * removed when the source file is gone.
 */
async function afterSourceCheck(ctx: WorkerContext, row: ItemRow, sourcePath: string, destPath: string, dest: Store, entry: Entry, state: 'verified' | 'copied', attempt: number, outcome: CheckOutcome): Promise<void> {
  if (outcome === 'same') {
    ctx.updates.push(row.id, { state, copies: row.copies + 1, committed_offset: entry.size, attempts: row.attempts + attempt, last_error: null });
    ctx.tally.filesCopied++;
    ctx.tally.bytes += entry.size;
    ctx.logger.debug({ path: sourcePath, size: entry.size }, 'file.copied');
    ctx.emit({ type: 'item', path: sourcePath, kind: 'file', outcome: state, size: entry.size });
    return;
  }
  const removeCopy = (): Promise<void> => withRetry(() => dest.remove(destPath, ctx.signal ? { signal: ctx.signal } : {}), { policy: ctx.meta.retry, signal: ctx.signal }).catch((error: unknown) => {
    if (!isStorageError(error, 'not-found')) throw error;
  });
  if (outcome === 'gone') {
    await removeCopy();
    return skipGone(ctx, row, sourcePath);
  }
  const changes = (ctx.sourceChanges.get(row.id) ?? 0) + 1;
  ctx.sourceChanges.set(row.id, changes);
  ctx.logger.info({ path: sourcePath, changes }, 'file.source_changed');
  if (changes < ctx.sourceChangeAttempts) {
    ctx.updates.push(row.id, { state: 'pending' });
    return;
  }
  await removeCopy();
  return fail(ctx, row, sourcePath, new StorageError('precondition-failed', `The source changed during the copy ${changes} times; it was not copied. Rerun when it is stable.`, { path: sourcePath }));
}

/** Applies metadata to an existing destination file or directory (compare first). Never throws except on cancellation. */
export async function applyItemMetadata(ctx: WorkerContext, mapping: ResolvedMapping, row: ItemRow): Promise<void> {
  const sourcePath = joinPath(mapping.sourcePrefix, row.rel_path);
  const destPath = joinPath(mapping.destPath, row.rel_path);
  try {
    // A directory this run created with its times needs only its access control: no source stat.
    const timesSet = row.kind === 'directory' && ctx.dirsWithTimes.delete(row.id) && ctx.source.capabilities.permissions;
    const entry = timesSet ? { path: sourcePath, kind: 'directory' as const, size: 0, mtimeMs: row.mtime_ms ?? 0 } : await statSource(ctx, sourcePath);
    if (entry === undefined) return await skipGone(ctx, row, sourcePath);
    let status;
    try {
      status = await readSourceAcl(ctx.source, sourcePath, entry, ctx.meta);
    } catch (error) {
      if (timesSet && isStorageError(error, 'not-found')) return await skipGone(ctx, row, sourcePath);
      throw error;
    }
    const acl = planAcl(status, row.kind, ctx.meta);
    const root = row.rel_path === '';
    // The root's times are the destination root's own business; its ACL and owner are carried.
    const times = root ? { ...ctx.meta, preserve: new Set([...ctx.meta.preserve].filter((p) => p !== 'times')) } : ctx.meta;
    const wrote = await applyMetadata(mapping.dest, destPath, row.kind, entry, acl, times, { propertiesSet: timesSet, compareFirst: row.kind === 'file' });
    ctx.updates.push(row.id, { state: 'verified', action: 'none', attempts: row.attempts + 1, last_error: null });
    if (row.kind === 'file' && wrote) ctx.tally.filesMeta++;
    ctx.emit({ type: 'item', path: sourcePath, kind: row.kind, outcome: 'meta', size: 0 });
  } catch (error) {
    if (isCancel(error, ctx)) throw error;
    await fail(ctx, row, sourcePath, error);
  }
}

/** Waits until the creation of a path's parent directory (if one is in flight) has finished. */
export async function parentReady(ctx: WorkerContext, mapping: ResolvedMapping, relPath: string): Promise<void> {
  if (relPath === '') return;
  const pending = ctx.dirsInFlight.get(itemKey(mapping.name, parentPath(relPath)));
  if (pending !== undefined) await pending;
}

/**
 * Creates a directory with its mode, and with its times as properties where the destination takes
 * them in the create call; its ACL and owner come in the ACL phase, after the files.
 */
export async function createDirectoryItem(ctx: WorkerContext, mapping: ResolvedMapping, row: ItemRow): Promise<void> {
  const sourcePath = joinPath(mapping.sourcePrefix, row.rel_path);
  const destPath = joinPath(mapping.destPath, row.rel_path);
  try {
    await parentReady(ctx, mapping, row.rel_path);
    let entry = ctx.scanEntries?.take(mapping.name, row.rel_path);
    if (entry?.kind !== 'directory') entry = await statSource(ctx, sourcePath);
    if (entry === undefined || entry.kind !== 'directory') return await skipGone(ctx, row, sourcePath);
    const mode = entry.permissions;
    const dest = mapping.dest;
    const withMode = (ctx.meta.preserve.has('permissions') || ctx.meta.preserve.has('acl')) && dest.capabilities.permissions && mode !== undefined;
    // The root's times are the destination root's own business.
    const props = dest.capabilities.createWithMetadata && row.rel_path !== '' ? timeProperties(dest, entry, ctx.meta) : {};
    const withProps = Object.keys(props).length > 0;
    await withRetry(() => dest.mkdir(destPath, { ...(withMode ? { permissions: mode & 0o777 } : {}), ...(withProps ? { properties: props } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}) }), { policy: ctx.meta.retry, signal: ctx.signal });
    if (withProps && ctx.dirsWithTimes.size < 1_000_000) ctx.dirsWithTimes.add(row.id);
    ctx.updates.push(row.id, { action: 'meta', state: 'pending', copies: row.copies + 1, attempts: row.attempts + 1 });
    ctx.tally.dirsCreated++;
    ctx.emit({ type: 'item', path: sourcePath, kind: 'directory', outcome: 'copied', size: 0 });
  } catch (error) {
    if (isCancel(error, ctx)) throw error;
    await fail(ctx, row, sourcePath, error);
  }
}

/** Removes a destination path that left the source. */
export async function deleteItem(ctx: WorkerContext, mapping: ResolvedMapping, row: ItemRow): Promise<void> {
  const destPath = joinPath(mapping.destPath, row.rel_path);
  try {
    await withRetry(() => mapping.dest.remove(destPath, { recursive: true, ...(ctx.signal ? { signal: ctx.signal } : {}) }), { policy: ctx.meta.retry, signal: ctx.signal }).catch((error: unknown) => {
      if (!isStorageError(error, 'not-found')) throw error;
    });
    ctx.updates.push(row.id, { state: 'verified', action: 'none' });
    ctx.tally.deleted++;
    ctx.emit({ type: 'item', path: destPath, kind: row.kind, outcome: 'deleted', size: row.size });
  } catch (error) {
    if (isCancel(error, ctx)) throw error;
    await fail(ctx, row, destPath, error);
  }
}

/**
 * Removes stale writer temp files (`.lakeshift-tmp-*`) next to interrupted items, through the store's
 * optional `removeTempFiles` (stores hide these names from listings). Best effort; returns the count,
 * or undefined when the store cannot do it.
 */
export async function cleanupTempFiles(dest: Store, dirs: Iterable<string>, logger: Logger): Promise<number | undefined> {
  if (dest.removeTempFiles === undefined) {
    logger.warn({ dest: dest.displayUri }, 'cleanup.unsupported');
    return undefined;
  }
  const removeTempFiles = dest.removeTempFiles.bind(dest);
  let removed = 0;
  for (const dir of new Set(dirs)) {
    try {
      removed += await removeTempFiles(dir);
    } catch (error) {
      if (!isStorageError(error, 'not-found')) logger.warn({ dir, err: describeError(error) }, 'cleanup.failed');
    }
  }
  return removed;
}

export { parentPath };
