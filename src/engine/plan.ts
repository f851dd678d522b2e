import { baseName, joinPath, type Entry } from '../core/entry.js';
import { isStorageError } from '../core/errors.js';
import { nameRejection } from '../core/names.js';
import type { Store } from '../core/store.js';
import { march, walk } from '../core/walk.js';
import type { JobDb } from '../state/db.js';
import { findItems, insertItems, updateItemsEach, type ItemPatch, type ItemRow, type NewItem } from '../state/items.js';
import type { ItemAction, ItemState } from '../state/schema.js';
import type { PathFilter } from './filters.js';
import { TIME_PROPERTIES } from './metadata.js';
import { md5OfFile } from './transfer.js';
import type { MigrationKind, OverwritePolicy, PreserveKey } from './types.js';
import type { IdentityMap } from './acl-translate.js';

/**
 * The plan step: march the source and destination of one mapping in walk order and record, per path,
 * what the run must do (copy, metadata only, delete, nothing) in the job database, in batches, while
 * the transfer step already works on what is recorded. Nothing holds the whole tree in memory.
 */

/** Prefix of temporary names writers may leave behind; never treated as data. */
export const TEMP_PREFIX = '.lakeshift-tmp-';

export interface ResolvedMapping {
  name: string;
  sourcePrefix: string;
  dest: Store;
  destPath: string;
  /** Source prefixes of other, nested mappings: their subtrees belong to those. */
  nested: string[];
}

export interface ScanCounters {
  files: number;
  directories: number;
  bytes: number;
  toCopy: number;
  bytesToCopy: number;
  toDelete: number;
  /** Destination entries present before the run. */
  destEntries: number;
  skipped: { path: string; reason: string }[];
  skippedByReason: Record<string, number>;
  unchanged: number;
}

export function newScanCounters(): ScanCounters {
  return { files: 0, directories: 0, bytes: 0, toCopy: 0, bytesToCopy: 0, toDelete: 0, destEntries: 0, skipped: [], skippedByReason: {}, unchanged: 0 };
}

export interface ScanContext {
  /** Undefined in a dry run: nothing is recorded. */
  jobDb: JobDb | undefined;
  jobId: string;
  runNo: number;
  /** The job has items from earlier runs (look them up; otherwise insert blindly). */
  hasHistory: boolean;
  source: Store;
  mapping: ResolvedMapping;
  filter: PathFilter;
  kind: MigrationKind;
  overwrite: OverwritePolicy;
  checksum: boolean;
  delete: boolean;
  preserve: ReadonlySet<PreserveKey>;
  identityMap?: IdentityMap | undefined;
  counters: ScanCounters;
  signal?: AbortSignal | undefined;
  /** Called after each recorded batch. */
  onBatch(): void;
  /**
   * When this run started (ms since the epoch): a file row this run's transfers finished since then is
   * left alone, because the destination listing may predate its commit. Default: the scan's start.
   */
  runStartedMs?: number;
  /** Told the source entry of each file or directory queued for copying (the worker then need not stat it first). */
  onCopyEntry?: (relPath: string, entry: Entry) => void;
  /** Told about each path skipped at planning time (refused name, existing destination). */
  onSkip?: (path: string, kind: 'file' | 'directory', reason: string) => void;
}

interface Decision {
  action: ItemAction;
  state: ItemState;
  skipReason?: string;
  /** The destination already holds this source version: later changes overwrite it as the job's own. */
  adopt?: boolean;
}

const COPY: Decision = { action: 'copy', state: 'pending' };
const META: Decision = { action: 'meta', state: 'pending' };
const NONE: Decision = { action: 'none', state: 'copied' };
const ADOPT: Decision = { action: 'none', state: 'copied', adopt: true };
const ADOPT_META: Decision = { action: 'meta', state: 'pending', adopt: true };

async function* safeWalk(store: Store, path: string, signal?: AbortSignal): AsyncIterable<Entry[]> {
  try {
    yield* walk(store, path, signal ? { signal } : {});
  } catch (error) {
    if (!isStorageError(error, 'not-found')) throw error;
  }
}

/** Content change between runs: size or mtime (etags also move on ACL changes, so they are not used here). */
function sourceChanged(row: ItemRow, e: Entry): boolean {
  return row.size !== e.size || row.mtime_ms !== e.mtimeMs;
}

function metadataDiffers(left: Entry, right: Entry, ctx: ScanContext): boolean {
  if (left.hasAcl === true || right.hasAcl === true) return true;
  const map = (id: string | undefined): string | undefined => (id === undefined ? undefined : ctx.identityMap?.get(id) || id);
  if (ctx.preserve.has('owner') && ctx.mapping.dest.capabilities.ownership) {
    if (left.owner !== undefined && map(left.owner) !== right.owner) return true;
    if (left.group !== undefined && map(left.group) !== right.group) return true;
  }
  if ((ctx.preserve.has('permissions') || ctx.preserve.has('acl')) && left.permissions !== undefined && right.permissions !== undefined) {
    const mask = ctx.mapping.dest.capabilities.stickyBit ? 0o1777 : 0o777;
    if ((left.permissions & mask) !== (right.permissions & mask)) return true;
  }
  return false;
}

/** The destination's record of a file's source mtime: native when it can set times, else the property. */
async function destMtime(dest: Store, path: string, right: Entry): Promise<number | undefined> {
  if (dest.setTimes !== undefined) return right.mtimeMs;
  if (!dest.capabilities.properties) return undefined;
  const props = await dest.getProperties(path);
  const v = props[TIME_PROPERTIES.mtime];
  return v === undefined ? undefined : Number(v);
}

async function decideFile(left: Entry, right: Entry | undefined, row: ItemRow | undefined, ctx: ScanContext): Promise<Decision> {
  if (right === undefined) return COPY;
  if (right.kind !== 'file') return { action: 'none', state: 'skipped', skipReason: 'the destination has a directory at this path' };
  const destPath = joinPath(ctx.mapping.destPath, left.path);
  const incremental = ctx.kind === 'incremental';
  const ours = row !== undefined && row.copies > 0;
  if (row !== undefined && (row.state === 'pending' || row.state === 'copying' || row.state === 'failed')) {
    // Decided earlier in this job: a commit may have happened before the state was recorded.
    if (row.md5 !== null && right.contentMd5 === row.md5 && right.size === left.size && !sourceChanged(row, left)) return META;
    return COPY;
  }
  if (ours && row !== undefined && (row.state === 'copied' || row.state === 'verified')) {
    if (sourceChanged(row, left) || right.size !== left.size) return COPY;
    if (ctx.checksum && (await md5OfFile(ctx.source, joinPath(ctx.mapping.sourcePrefix, left.path), ctx.signal)) !== (await md5OfFile(ctx.mapping.dest, destPath, ctx.signal))) return COPY;
    return incremental && metadataDiffers(left, right, ctx) ? META : NONE;
  }
  // The destination holds a file this job did not write.
  const dm = await destMtime(ctx.mapping.dest, destPath, right);
  let same = right.size === left.size && dm === left.mtimeMs;
  if (same && ctx.checksum) same = (await md5OfFile(ctx.source, joinPath(ctx.mapping.sourcePrefix, left.path), ctx.signal)) === (await md5OfFile(ctx.mapping.dest, destPath, ctx.signal));
  if (same) return incremental && metadataDiffers(left, right, ctx) ? ADOPT_META : ADOPT;
  switch (ctx.overwrite) {
    case 'always':
      return COPY;
    case 'if-newer':
      return dm === undefined || left.mtimeMs > dm ? COPY : { action: 'none', state: 'skipped', skipReason: 'the destination file is as new or newer (--overwrite if-newer)' };
    case 'never':
      return { action: 'none', state: 'skipped', skipReason: 'the destination file exists (--overwrite never)' };
  }
}

function decideDirectory(left: Entry, right: Entry | undefined, row: ItemRow | undefined, ctx: ScanContext): Decision {
  if (right === undefined) return COPY;
  if (right.kind !== 'directory') return { action: 'none', state: 'skipped', skipReason: 'the destination has a file at this path' };
  if (row === undefined) return ctx.overwrite === 'never' && ctx.kind !== 'incremental' ? NONE : META;
  if (row.state === 'pending' || row.state === 'copying' || row.state === 'failed') return META;
  return ctx.kind === 'incremental' && metadataDiffers(left, right, ctx) ? META : NONE;
}

function skip(ctx: ScanContext, path: string, kind: 'file' | 'directory', reason: string): void {
  ctx.onSkip?.(path, kind, reason);
  const c = ctx.counters;
  const key = reason.replace(/"[^"]*"|'[^']*'/g, '…').replace(/\d+/g, 'N');
  c.skippedByReason[key] = (c.skippedByReason[key] ?? 0) + 1;
  if (c.skipped.length < 100) c.skipped.push({ path, reason });
}

/** joinPath of two parts without the rest-array and filter (called several times per scanned entry). */
function join2(prefix: string, path: string): string {
  return prefix === '' ? path : path === '' ? prefix : `${prefix}/${path}`;
}

/** Entries recorded per flush (one transaction; fewer, larger ones cost less per row). */
const FLUSH_ITEMS = 2000;

/**
 * Scans one mapping: records the root item (its ACL goes onto the destination root) and every path
 * of the source subtree with its decision; with `delete`, destination-only paths become delete items.
 */
export async function scanMapping(ctx: ScanContext): Promise<void> {
  const { mapping, counters } = ctx;
  const names = mapping.dest.capabilities.names;
  // New paths (no row yet) are inserted; known ones are compared with their row and updated.
  const fresh: NewItem[] = [];
  const known: { item: NewItem; row: ItemRow }[] = [];
  const record = (item: NewItem, row: ItemRow | undefined): void => {
    if (row === undefined) fresh.push(item);
    else known.push({ item, row });
  };
  const runStartedMs = ctx.runStartedMs ?? Date.now();
  const flush = async (): Promise<void> => {
    if (ctx.jobDb !== undefined) {
      const updates = known.flatMap(({ item, row }) => {
        // A row in 'copying' belongs to a transfer running now (interrupted ones were reset before the scan).
        if (row.state === 'copying') return [];
        if (row.kind === 'file' && (row.state === 'copied' || row.state === 'verified') && row.updated_at >= runStartedMs) return [];
        const changed = item.copies !== undefined || row.size !== item.size || row.mtime_ms !== item.mtimeMs || row.action !== item.action || row.state !== item.state;
        if (!changed) return [];
        const patch: ItemPatch = {
          action: item.action, state: item.state, size: item.size, mtime_ms: item.mtimeMs, source_etag: item.etag ?? null,
          skip_reason: item.skipReason ?? null, seen_run: item.seenRun, kind: item.kind,
          ...(item.copies !== undefined && row.copies === 0 ? { copies: item.copies } : {}),
          ...(item.state === 'pending' && row.state !== 'pending' ? { attempts: 0, last_error: null } : {}),
        };
        return [{ id: row.id, patch, ifState: row.state }];
      });
      await insertItems(ctx.jobDb, ctx.jobId, fresh);
      await updateItemsEach(ctx.jobDb, updates);
    }
    fresh.length = 0;
    known.length = 0;
    ctx.onBatch();
  };

  const lookUp = ctx.jobDb !== undefined && ctx.hasHistory;
  const noRows = new Map<string, ItemRow>();
  const rootRows = lookUp && ctx.jobDb !== undefined ? await findItems(ctx.jobDb, ctx.jobId, mapping.name, ['']) : noRows;
  const wantsRootMeta = ctx.preserve.has('acl') || ctx.preserve.has('owner') || ctx.preserve.has('permissions');
  if (wantsRootMeta && ctx.source.capabilities.permissions) {
    record({ dataset: mapping.name, relPath: '', kind: 'directory', action: 'meta', state: 'pending', size: 0, mtimeMs: 0, seenRun: ctx.runNo }, rootRows.get(''));
  }

  const left = walk(ctx.source, mapping.sourcePrefix, ctx.signal ? { signal: ctx.signal } : {});
  const right = safeWalk(mapping.dest, mapping.destPath, ctx.signal);
  const nested = mapping.nested;
  for await (const batch of march(left, right, 500)) {
    const inScope = batch.filter((m) => {
      const sourcePath = join2(mapping.sourcePrefix, m.path);
      if (nested.length > 0 && nested.some((n) => sourcePath === n || sourcePath.startsWith(`${n}/`))) return false;
      if (m.left === undefined && baseName(m.path).startsWith(TEMP_PREFIX)) return false;
      const kind = (m.left ?? m.right)?.kind ?? 'file';
      return ctx.filter.accepts(sourcePath, kind);
    });
    // A new job has no rows to look up: every path is inserted (a rerun of a crashed scan conflicts harmlessly).
    const rows = lookUp && ctx.jobDb !== undefined ? await findItems(ctx.jobDb, ctx.jobId, mapping.name, inScope.map((m) => m.path)) : noRows;
    for (const m of inScope) {
      if (m.right !== undefined) counters.destEntries++;
      const row = rows.get(m.path);
      const e = m.left;
      if (e === undefined) {
        const r = m.right;
        if (!ctx.delete || r === undefined) continue;
        counters.toDelete++;
        record({ dataset: mapping.name, relPath: m.path, kind: r.kind, action: 'delete', state: 'pending', size: r.size, mtimeMs: r.mtimeMs, seenRun: ctx.runNo }, row);
        continue;
      }
      if (e.kind === 'file') {
        counters.files++;
        counters.bytes += e.size;
      } else counters.directories++;
      const rejected = nameRejection(join2(mapping.destPath, m.path), names);
      let d: Decision;
      if (rejected !== undefined) d = { action: 'none', state: 'skipped', skipReason: `the destination refuses the name: ${rejected}` };
      // Nothing at the destination: copy, whatever the kind (no await: this is most entries of a first run).
      else if (m.right === undefined) d = COPY;
      else d = e.kind === 'file' ? await decideFile(e, m.right, row, ctx) : decideDirectory(e, m.right, row, ctx);
      if (d.state === 'skipped') skip(ctx, join2(mapping.sourcePrefix, m.path), e.kind, d.skipReason ?? 'skipped');
      if (d.action === 'copy') ctx.onCopyEntry?.(m.path, e);
      if (d.action === 'copy' && e.kind === 'file') {
        counters.toCopy++;
        counters.bytesToCopy += e.size;
      }
      if (d.action === 'none' && d.state !== 'skipped' && e.kind === 'file') counters.unchanged++;
      const state = d === NONE && row?.state === 'verified' ? 'verified' : d.state;
      const item: NewItem = { dataset: mapping.name, relPath: m.path, kind: e.kind, action: d.action, state, size: e.size, mtimeMs: e.mtimeMs, etag: e.etag, skipReason: d.skipReason, seenRun: ctx.runNo };
      if (d.adopt === true) item.copies = 1;
      record(item, row);
    }
    if (fresh.length + known.length >= FLUSH_ITEMS) await flush();
  }
  await flush();
}
