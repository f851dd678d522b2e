import type { Logger } from 'pino';
import { joinPath, parentPath, type Entry } from '../../core/entry.js';
import { StorageError, isStorageError } from '../../core/errors.js';
import type { Store } from '../../core/store.js';
import { walk } from '../../core/walk.js';
import { accessControlAtCreate, applyMetadata, metadataBeforeCommit, planAcl, readSourceAcl, timeProperties, type MetadataContext } from '../../engine/metadata.js';
import { backoffDelay, describeError, isRetryable, sleep, withRetry } from '../../engine/retry.js';
import { copyFileData, type TransferContext } from '../../engine/transfer.js';
import type { DialectName } from '../../state/db.js';
import { backupPath, suffixPath } from './conflicts.js';
import { isBisyncStop } from './errors.js';
import { fenced, type Lease } from './lease.js';
import type { Delta } from './listing.js';
import type { Planned } from './renames.js';
import type { GroupCommit } from './commits.js';
import { stateOf, type Baseline, type BaselineReader, type SideState } from './state.js';
import type { BisyncKysely } from './tables.js';
import { other, type Action, type BisyncEvent, type ConflictRecord, type CrashPoint, type LoserAction, type Side } from './types.js';

/**
 * The executor: every action re-checks its precondition (the paths it touches are still as listed)
 * just before writing, writes through the engine's copy path (hidden temporary name, MD5, commit),
 * and commits its baseline row at once in a transaction fenced by the lease token. An action whose
 * precondition fails is skipped and left for the next run, which sees the new state.
 */

export interface ExecContext {
  stores: { 1: Store; 2: Store };
  db: BisyncKysely;
  dialect: DialectName;
  lease: Lease;
  pairId: string;
  runId: string;
  /** Metadata rules for writes onto side 1 (from 2) and side 2 (from 1). */
  meta: { 1: MetadataContext; 2: MetadataContext };
  transfer: TransferContext;
  loser: LoserAction;
  /** Where actions commit their baseline rows (a group commit fenced by the lease). */
  commits: GroupCommit;
  /** The baseline in the job database (rows read when an action needs one). */
  baseline: BaselineReader;
  logger: Logger;
  signal?: AbortSignal | undefined;
  crashAt?: ((point: CrashPoint) => void) | undefined;
  emit(event: BisyncEvent): void;
  tally: Tally;
}

export interface Tally {
  done: Record<string, number>;
  bytes: number;
  failures: { path: string; error: string }[];
  skipped: { path: string; reason: string }[];
  conflicts: ConflictRecord[];
}

class PreconditionFailed extends Error {}

/** Attempts of a whole action when it fails with a retryable error. */
const ACTION_ATTEMPTS = 3;

const call = (ctx: ExecContext): { signal?: AbortSignal } => (ctx.signal ? { signal: ctx.signal } : {});

async function statOrNone(ctx: ExecContext, side: Side, path: string): Promise<Entry | undefined> {
  try {
    return await withRetry(() => ctx.stores[side].stat(path, call(ctx)), { policy: ctx.meta[side].retry, signal: ctx.signal });
  } catch (error) {
    if (isStorageError(error, 'not-found')) return undefined;
    throw error;
  }
}

/** True when `now` is the version `listed` describes (both absent counts). */
function same(now: Entry | undefined, listed: Entry | undefined): boolean {
  if (now === undefined || listed === undefined) return now === listed;
  if (now.kind !== listed.kind) return false;
  if (now.kind === 'directory') return true;
  return now.size === listed.size && now.mtimeMs === listed.mtimeMs && (now.etag === undefined || listed.etag === undefined || now.etag === listed.etag);
}

async function requireState(ctx: ExecContext, side: Side, path: string, listed: Entry | undefined): Promise<Entry | undefined> {
  const now = await statOrNone(ctx, side, path);
  if (!same(now, listed)) throw new PreconditionFailed(`path${side} '${path}' changed after the listing`);
  return now;
}

const entryOn = (d: Delta, side: Side): Entry | undefined => (side === 1 ? d.e1 : d.e2);

function row(path: string, kind: 'file' | 'dir', s1: SideState, s2: SideState, md5: string | null): Baseline {
  return { path, kind, s1, s2, md5 };
}

/** Commits an action's rows; resolves once they are in the job database (grouped: commits.ts). */
async function commit(ctx: ExecContext, put: Baseline[], drop: string[]): Promise<void> {
  await ctx.commits.commit(put, drop);
}

/**
 * Copies `path` from the other side onto `to` (whose current state must be `expectTo`), carrying
 * metadata as migrate does. Returns the new baseline row (not yet committed).
 */
async function copyOnto(ctx: ExecContext, to: Side, path: string, source: Entry, expectTo: Entry | undefined, destPath = path): Promise<Baseline> {
  const from = other(to);
  const src = ctx.stores[from];
  const dest = ctx.stores[to];
  const meta = ctx.meta[to];
  // An early look at the target saves a wasted transfer of a large file; for a file of one block the
  // check just before the commit (below) is the one that counts, and one request per file is saved.
  if (source.size > ctx.transfer.blockSize) await requireState(ctx, to, destPath, expectTo);
  // The target's precondition checked by the commit itself instead of by a stat just before it (one
  // request per copy fewer): a target that must be absent is written with overwrite off (every store's
  // commit then fails with already-exists), and where the commit can be conditional (Gen2: If-Match on
  // Put Blob and Put Block List) or the writer checks the ETag itself just before the commit (Gen1: the
  // stat it takes before its RENAME) a listed file is replaced only if its ETag is still the listed one.
  const caps = dest.capabilities;
  const conditional = expectTo === undefined || ((caps.conditionalCommit === true || caps.checkedCommit === true) && expectTo.kind === 'file' && expectTo.etag !== undefined);
  const acl = planAcl(await readSourceAcl(src, path, source, meta), 'file', meta);
  const props = timeProperties(dest, source, meta);
  // A writer that sets metadata on its hidden file (Gen1: before the RENAME) gets all of it, and the
  // entry its commit returns is the final one: no metadata calls after the commit and no read-back.
  const before = metadataBeforeCommit(dest, source, acl, meta);
  const atCreate = before === undefined ? accessControlAtCreate(dest, 'file', acl, meta) : before.accessControl;
  const perms = acl?.permissions ?? source.permissions;
  const writeOptions = {
    overwrite: !conditional || expectTo !== undefined,
    ...(conditional && expectTo?.etag !== undefined ? { ifMatch: expectTo.etag } : {}),
    ...(atCreate === undefined && (meta.preserve.has('permissions') || meta.preserve.has('acl')) && dest.capabilities.permissions && perms !== undefined ? { permissions: perms & 0o777 } : {}),
    ...(atCreate === undefined ? {} : { accessControl: atCreate }),
    ...(before?.times === undefined ? {} : { times: before.times }),
    ...(Object.keys(props).length > 0 ? { properties: props } : {}),
  };
  let md5: string;
  let committed: Entry;
  try {
    ({ md5, committed } = await copyFileData(src, path, dest, destPath, source.size, writeOptions, ctx.transfer, async () => {
      ctx.crashAt?.('mid-copy');
      // Just before the commit: the source is still the listed version and the target untouched (both
      // looked at together; either differing fails the action). A conditional commit checks the target.
      const [srcNow, destNow] = await Promise.all([statOrNone(ctx, from, path), conditional ? expectTo : statOrNone(ctx, to, destPath)]);
      if (!same(srcNow, source)) throw new PreconditionFailed(`path${from} '${path}' changed while it was copied`);
      if (!same(destNow, expectTo)) throw new PreconditionFailed(`path${to} '${destPath}' changed after the listing`);
    }));
  } catch (error) {
    // The commit was refused by its condition: the target is no longer the listed version (or appeared).
    if (conditional && (isStorageError(error, 'precondition-failed') || isStorageError(error, 'already-exists'))) throw new PreconditionFailed(`path${to} '${destPath}' changed after the listing`);
    throw error;
  }
  ctx.crashAt?.('after-commit');
  let written: Entry | undefined = committed;
  if (before === undefined) {
    await applyMetadata(dest, destPath, 'file', source, acl, meta, { propertiesSet: true, compareFirst: false, accessControlSet: atCreate !== undefined });
    written = await statOrNone(ctx, to, destPath);
  }
  if (written === undefined || written.size !== source.size) throw new StorageError('integrity-mismatch', `path${to} '${destPath}' is not the ${source.size} bytes just written.`, { path: destPath });
  ctx.tally.bytes += source.size;
  const s = { [from]: stateOf(source), [to]: stateOf(written) } as Record<Side, SideState>;
  return row(destPath, 'file', s[1], s[2], md5);
}

async function mkdirOn(ctx: ExecContext, side: Side, dir: string): Promise<void> {
  if (dir === '') return;
  await withRetry(() => ctx.stores[side].mkdir(dir, call(ctx)), { policy: ctx.meta[side].retry, signal: ctx.signal });
}

/** Moves the loser out of the way on its own side; returns where it went. */
async function keepLoser(ctx: ExecContext, side: Side, path: string): Promise<string> {
  let target = backupPath(ctx.runId, path);
  if (ctx.loser === 'suffix') {
    // The first free name on both sides and in the baseline (a conflict of a conflict gets the next number).
    for (let n = 1; ; n++) {
      target = suffixPath(path, n);
      if (await ctx.baseline.get(target) === undefined && await statOrNone(ctx, 1, target) === undefined && await statOrNone(ctx, 2, target) === undefined) break;
    }
  }
  await mkdirOn(ctx, side, parentPath(target));
  await withRetry(() => ctx.stores[side].rename(path, target, call(ctx)), { policy: ctx.meta[side].retry, signal: ctx.signal });
  return target;
}

/** Runs one action; never throws except on cancellation or a lost lease. */
export async function runAction(ctx: ExecContext, p: Planned): Promise<void> {
  const a = p.action;
  const d = p.delta;
  try {
    // Whole-action attempts for retryable failures (a commit is not retried inside the copy path).
    for (let attempt = 1; ; attempt++) {
      try {
        await perform(ctx, a, d);
        break;
      } catch (error) {
        if (attempt >= ACTION_ATTEMPTS || !isRetryable(error) || ctx.signal?.aborted === true) throw error;
        await sleep(backoffDelay(attempt, ctx.meta[1].retry, error), ctx.signal);
      }
    }
    ctx.tally.done[a.op] = (ctx.tally.done[a.op] ?? 0) + 1;
    ctx.emit({ type: 'action', action: a, outcome: 'done' });
  } catch (error) {
    if (isBisyncStop(error) || isStorageError(error, 'cancelled') || ctx.signal?.aborted === true) throw error;
    if (error instanceof PreconditionFailed) {
      const reason = `${error.message}; left for the next run`;
      ctx.tally.skipped.push({ path: a.path, reason });
      ctx.emit({ type: 'action', action: a, outcome: 'skipped', detail: reason });
      return;
    }
    const message = describeError(error);
    ctx.tally.failures.push({ path: a.path, error: message });
    ctx.logger.warn({ path: a.path, op: a.op, err: message }, 'bisync.action_failed');
    ctx.emit({ type: 'action', action: a, outcome: 'failed', detail: message });
  }
}

async function perform(ctx: ExecContext, a: Action, d: Delta): Promise<void> {
  const side = a.side ?? 1;
  switch (a.op) {
    case 'copy': {
      const source = entryOn(d, other(side));
      if (source === undefined || source.kind !== 'file') throw new PreconditionFailed(`'${a.path}' has no source`);
      await commit(ctx, [await copyOnto(ctx, side, a.path, source, entryOn(d, side))], []);
      return;
    }
    case 'delete': {
      await requireState(ctx, side, a.path, entryOn(d, side));
      await withRetry(() => ctx.stores[side].remove(a.path, call(ctx)), { policy: ctx.meta[side].retry, signal: ctx.signal }).catch((error: unknown) => {
        if (!isStorageError(error, 'not-found')) throw error;
      });
      ctx.crashAt?.('during-deletes');
      await commit(ctx, [], [a.path]);
      return;
    }
    case 'rmdir': {
      try {
        await withRetry(() => ctx.stores[side].remove(a.path, call(ctx)), { policy: ctx.meta[side].retry, signal: ctx.signal });
      } catch (error) {
        if (isStorageError(error, 'not-empty')) throw new PreconditionFailed(`path${side} '${a.path}' is not empty`);
        if (!isStorageError(error, 'not-found')) throw error;
      }
      await commit(ctx, [], [a.path]);
      return;
    }
    case 'mkdir': {
      await mkdirOn(ctx, side, a.path);
      const e = await statOrNone(ctx, side, a.path);
      const src = entryOn(d, other(side));
      if (e === undefined || src === undefined) throw new PreconditionFailed(`'${a.path}' vanished`);
      const s = { [side]: stateOf(e), [other(side)]: stateOf(src) } as Record<Side, SideState>;
      await commit(ctx, [row(a.path, 'dir', s[1], s[2], null)], []);
      return;
    }
    case 'adopt':
    case 'meta':
      return adoptOrMeta(ctx, a, d);
    case 'drop':
      await commit(ctx, [], [a.path]);
      return;
    case 'rename':
      return renameFile(ctx, a, d);
    case 'rename-dir':
      return renameDir(ctx, a);
    case 'conflict':
      return resolveConflict(ctx, a, d);
  }
}

/**
 * Commits adopt and drop actions (state only: no side is written) in batches of 500 rows per fenced
 * transaction. A crash loses at most the open batch, which the next run adopts again.
 */
export async function commitStateOnly(ctx: ExecContext, items: readonly Planned[]): Promise<void> {
  for (let i = 0; i < items.length; i += 500) {
    const put: Baseline[] = [];
    const drop: string[] = [];
    for (const { action: a, delta: d } of items.slice(i, i + 500)) {
      if (a.op === 'drop') drop.push(a.path);
      else if (d.e1 !== undefined && d.e2 !== undefined) put.push(row(a.path, d.e1.kind === 'directory' ? 'dir' : 'file', stateOf(d.e1), stateOf(d.e2), a.md5 ?? d.b?.md5 ?? d.e1.contentMd5 ?? null));
    }
    await commit(ctx, put, drop);
    for (const { action: a } of items.slice(i, i + 500)) {
      ctx.tally.done[a.op] = (ctx.tally.done[a.op] ?? 0) + 1;
      ctx.emit({ type: 'action', action: a, outcome: 'done' });
    }
  }
}

async function adoptOrMeta(ctx: ExecContext, a: Action, d: Delta): Promise<void> {
  const kind = d.e1?.kind === 'directory' ? 'dir' : 'file';
  if (a.op === 'meta' && a.side !== undefined) {
    const to = a.side;
    const from = other(to);
    const src = entryOn(d, from);
    await requireState(ctx, to, a.path, entryOn(d, to));
    if (src !== undefined) {
      const acl = planAcl(await readSourceAcl(ctx.stores[from], a.path, src, ctx.meta[to]), 'file', ctx.meta[to]);
      await applyMetadata(ctx.stores[to], a.path, 'file', src, acl, ctx.meta[to], { propertiesSet: false, compareFirst: true });
    }
  }
  const e1 = a.op === 'meta' ? await statOrNone(ctx, 1, a.path) : d.e1;
  const e2 = a.op === 'meta' ? await statOrNone(ctx, 2, a.path) : d.e2;
  if (e1 === undefined || e2 === undefined) throw new PreconditionFailed(`'${a.path}' vanished`);
  await commit(ctx, [row(a.path, kind, stateOf(e1), stateOf(e2), a.md5 ?? d.b?.md5 ?? e1.contentMd5 ?? null)], []);
}

async function renameFile(ctx: ExecContext, a: Action, d: Delta): Promise<void> {
  const side = a.side ?? 1;
  const from = a.from ?? '';
  const b = d.b;
  const moved = entryOn(d, other(side));
  if (b === undefined || moved === undefined) throw new PreconditionFailed(`rename of '${from}' lost its baseline`);
  const listedOld = await ctx.baseline.get(from);
  if (listedOld === undefined) throw new PreconditionFailed(`'${from}' left the baseline`);
  const now = await statOrNone(ctx, side, from);
  const s = side === 1 ? listedOld.s1 : listedOld.s2;
  if (now === undefined || now.size !== s.size || now.mtimeMs !== s.mtimeMs) throw new PreconditionFailed(`path${side} '${from}' changed after the listing`);
  await requireState(ctx, side, a.path, undefined);
  await mkdirOn(ctx, side, parentPath(a.path));
  await withRetry(() => ctx.stores[side].rename(from, a.path, call(ctx)), { policy: ctx.meta[side].retry, signal: ctx.signal });
  const after = await statOrNone(ctx, side, a.path);
  if (after === undefined) throw new StorageError('transient', `path${side} '${a.path}' is missing right after the rename.`, { path: a.path });
  const st = { [side]: stateOf(after), [other(side)]: stateOf(moved) } as Record<Side, SideState>;
  await commit(ctx, [row(a.path, 'file', st[1], st[2], b.md5)], [from]);
}

async function renameDir(ctx: ExecContext, a: Action): Promise<void> {
  const side = a.side ?? 1;
  const fromDir = a.from ?? '';
  const src = other(side);
  const members = await ctx.baseline.under(fromDir);
  // Precondition: the old directory on `side` holds exactly the baseline files, unchanged.
  const listedHere = new Map<string, Entry>();
  for await (const page of walk(ctx.stores[side], fromDir)) for (const e of page) if (e.kind === 'file') listedHere.set(joinPath(fromDir, e.path), e);
  for (const m of members) {
    const e = listedHere.get(m.path);
    const s = side === 1 ? m.s1 : m.s2;
    if (m.kind === 'file' && (e === undefined || e.size !== s.size || e.mtimeMs !== s.mtimeMs)) throw new PreconditionFailed(`path${side} '${m.path}' changed after the listing`);
  }
  if (listedHere.size !== members.filter((m) => m.kind === 'file').length) throw new PreconditionFailed(`path${side} '${fromDir}' has files the baseline does not know`);
  await requireState(ctx, side, a.path, undefined);
  await mkdirOn(ctx, side, parentPath(a.path));
  await withRetry(() => ctx.stores[side].rename(fromDir, a.path, call(ctx)), { policy: ctx.meta[side].retry, signal: ctx.signal });
  const put: Baseline[] = [];
  const moved = new Map<string, Entry>();
  for await (const page of walk(ctx.stores[side], a.path)) for (const e of page) moved.set(e.path, e);
  const srcNow = new Map<string, Entry>();
  for await (const page of walk(ctx.stores[src], a.path)) for (const e of page) srcNow.set(e.path, e);
  for (const m of members) {
    const rel = m.path.slice(fromDir.length + 1);
    const here = moved.get(rel);
    const there = srcNow.get(rel);
    if (here === undefined || there === undefined) continue;
    const st = { [side]: stateOf(here), [src]: stateOf(there) } as Record<Side, SideState>;
    put.push(row(joinPath(a.path, rel), m.kind, st[1], st[2], m.md5));
  }
  await commit(ctx, put, members.map((m) => m.path));
}

async function resolveConflict(ctx: ExecContext, a: Action, d: Delta): Promise<void> {
  const brief = (e: Entry | undefined): { size: number; mtimeMs: number } | undefined => (e === undefined ? undefined : { size: e.size, mtimeMs: e.mtimeMs });
  const record: ConflictRecord = { path: a.path, policy: a.policy ?? 'none', p1: brief(d.e1), p2: brief(d.e2) };
  const save = async (): Promise<void> => {
    ctx.tally.conflicts.push(record);
    await fenced(ctx.db, ctx.dialect, ctx.lease, async (trx) => {
      await trx.insertInto('bisync_conflict').values({
        run_id: ctx.runId, pair_id: ctx.pairId, path: a.path, policy: record.policy, winner: record.winner === undefined ? null : `path${record.winner}`,
        loser_path: record.loserPath ?? null, detail_json: JSON.stringify({ p1: record.p1, p2: record.p2, reason: a.reason }), created_at: Date.now(),
      }).execute();
    });
  };
  const winner = a.winner;
  if (winner === undefined) {
    // No winner: both sides stay as they are and the conflict is reported on every run until settled.
    await save();
    return;
  }
  const loser = other(winner);
  const source = entryOn(d, winner);
  const loserEntry = entryOn(d, loser);
  if (source === undefined || source.kind !== 'file') throw new PreconditionFailed(`'${a.path}' has no winning file`);
  record.winner = winner;
  if (loserEntry !== undefined) {
    await requireState(ctx, loser, a.path, loserEntry);
    record.loserPath = await keepLoser(ctx, loser, a.path);
  }
  await save();
  await commit(ctx, [await copyOnto(ctx, loser, a.path, source, undefined)], []);
}
