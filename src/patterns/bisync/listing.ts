import { baseName, type Entry } from '../../core/entry.js';
import { StorageError, isStorageError } from '../../core/errors.js';
import type { Store } from '../../core/store.js';
import { march, walk } from '../../core/walk.js';
import type { PathFilter } from '../../engine/filters.js';
import { BisyncStop } from './errors.js';
import { RESERVED_TOP } from './conflicts.js';
import { sideOf, type Baseline, type BaselineReader, type SeenRows, type SideState } from './state.js';
import type { CompareKey, Side } from './types.js';

/**
 * Listing and change detection: both sides are walked in step (src/core/walk.ts march, one page per
 * side in memory) and every path is classified on each side against that side's own baseline values,
 * read from the job database a batch at a time. Only paths with a change on some side are kept.
 */

export type Change = 'none' | 'new' | 'changed' | 'meta' | 'deleted';

export interface Delta {
  path: string;
  b?: Baseline;
  e1?: Entry;
  e2?: Entry;
  c1: Change;
  c2: Change;
}

export interface ListResult {
  deltas: Delta[];
  /** Paths whose change is within the settle window (left for a later run). */
  deferred: string[];
  files: { path1: number; path2: number };
  /** Files changed (not new, not deleted) per side, for the all-changed guard. */
  changedFiles: { path1: number; path2: number };
  /** All listed entries, kept only for resync (which needs every path, not just changes). */
  both?: Delta[];
  t0: number;
  /**
   * Check-sync: paths unchanged on both sides since the baseline whose two sides nevertheless differ
   * (size, or listed MD5): the state no longer describes the sides (edited, restored from a backup).
   */
  outOfSync: string[];
  /** Sentinel files (SENTINEL_NAME) seen on each side, for --check-access. */
  sentinels: { path1: string[]; path2: string[] };
}

export interface ListOptions {
  filter: PathFilter;
  compare: ReadonlySet<CompareKey>;
  settleMs: number;
  withDirs: boolean;
  /** Keep every path (resync). */
  keepAll: boolean;
  now: number;
  signal?: AbortSignal | undefined;
}

/** Files with this name mark the roots for --check-access (a `.` name: Spark and Hive skip it). */
export const SENTINEL_NAME = '.lakeshift-sentinel';

function isReserved(path: string): boolean {
  return path === RESERVED_TOP || path.startsWith(`${RESERVED_TOP}/`);
}

/** A side's change at a path against its baseline values. */
export function changeOf(b: Baseline | undefined, side: Side, e: Entry | undefined, compare: ReadonlySet<CompareKey>): Change {
  if (b === undefined) return e === undefined ? 'none' : 'new';
  if (e === undefined) return 'deleted';
  const kind = e.kind === 'file' ? 'file' : 'dir';
  if (kind !== b.kind) return 'changed';
  if (kind === 'dir') return 'none';
  const s: SideState = sideOf(b, side);
  if (compare.has('size') && e.size !== s.size) return 'changed';
  const md5Known = e.contentMd5 !== undefined && b.md5 !== null;
  if (md5Known && compare.has('checksum')) return e.contentMd5 === b.md5 ? (stamped(e, s, compare) ? 'meta' : 'none') : 'changed';
  if (!stamped(e, s, compare)) return 'none';
  // Same size and a recorded MD5 equal to the agreed one: only metadata changed.
  return md5Known && e.size === s.size && e.contentMd5 === b.md5 ? 'meta' : 'changed';
}

/** True when the mtime or the version tag differs from the baseline's (as far as compared). */
function stamped(e: Entry, s: SideState, compare: ReadonlySet<CompareKey>): boolean {
  if (compare.has('mtime') && e.mtimeMs !== s.mtimeMs) return true;
  return compare.has('etag') && s.version !== null && e.etag !== undefined && e.etag !== s.version;
}

/** Walks one side, turning any listing failure into a stop that changes nothing. */
async function* listSide(store: Store, label: string, signal: AbortSignal | undefined): AsyncIterable<Entry[]> {
  try {
    yield* walk(store, '', { pageSize: 5000, ...(signal ? { signal } : {}) });
  } catch (error) {
    if (isStorageError(error, 'not-found')) {
      throw new BisyncStop('listing', `${label} (${store.displayUri}) does not exist. Create its root or fix the URI; nothing was changed.`, { cause: error });
    }
    if (isStorageError(error, 'cancelled')) throw error;
    const why = error instanceof StorageError ? `${error.code}: ${error.message}` : (error as Error).message;
    throw new BisyncStop('listing', `Listing ${label} (${store.displayUri}) failed: ${why}. A partial listing is never used; nothing was changed. Rerun when the store answers.`, { cause: error });
  }
}

/**
 * Reads `source` ahead by up to `depth` pages in the background, so both sides of the march list at
 * the same time and while the baseline is being read, instead of each page being requested only when
 * the march has used up the previous one. An error is delivered in order, after the pages before it.
 */
export async function* readAhead<T>(source: AsyncIterable<T>, depth = 2): AsyncIterable<T> {
  const it = source[Symbol.asyncIterator]();
  const queue: Promise<IteratorResult<T>>[] = [];
  let ended = false;
  let last: Promise<IteratorResult<T>> | undefined;
  const fill = (): void => {
    while (!ended && queue.length < depth) {
      const prev = queue.length === 0 ? undefined : last;
      const next = prev === undefined ? it.next() : prev.then((r) => (r.done === true ? r : it.next()));
      last = next;
      // Stop requesting after the end or an error; a rejection is still seen when its turn comes.
      next.then((r) => { if (r.done === true) ended = true; }, () => { ended = true; });
      queue.push(next);
    }
  };
  try {
    for (;;) {
      fill();
      const head = queue.shift();
      if (head === undefined) return;
      const r = await head;
      if (r.done === true) return;
      // Keep `depth` pages coming while the consumer works on this one.
      fill();
      yield r.value;
    }
  } finally {
    // Pages still being fetched are abandoned; their results (or errors) are ignored.
    for (const q of queue) q.catch(() => undefined);
    await it.return?.();
  }
}

/**
 * Lists both sides completely and classifies every path. The baseline is read a page at a time as the
 * march reaches it (rows met are recorded in `seen`; the rows neither side listed are read back at the
 * end), so memory holds one page per side and per baseline batch, plus the changes. Throws
 * BisyncStop('listing') on any listing error (nothing has been written to either side by then).
 */
export async function listAndDetect(p1: Store, p2: Store, baseline: BaselineReader, seen: SeenRows, o: ListOptions): Promise<ListResult> {
  const out: ListResult = { deltas: [], deferred: [], files: { path1: 0, path2: 0 }, changedFiles: { path1: 0, path2: 0 }, t0: o.now, outOfSync: [], sentinels: { path1: [], path2: [] }, ...(o.keepAll ? { both: [] } : {}) };
  const settledBefore = o.now - o.settleMs;
  // An mtime far in the future is clock skew, not a file being written: deferring it would be forever.
  const skewedAfter = o.now + Math.max(o.settleMs, 60_000);
  const keep = (e: Entry | undefined): Entry | undefined => {
    if (e === undefined || isReserved(e.path)) return undefined;
    if (e.kind === 'directory' && !o.withDirs) return undefined;
    return o.filter.accepts(e.path, e.kind) ? e : undefined;
  };
  const consider = (path: string, b: Baseline | undefined, e1: Entry | undefined, e2: Entry | undefined): void => {
    if (b !== undefined && b.kind === 'dir' && !o.withDirs) return;
    if (e1?.kind === 'file') out.files.path1++;
    if (e2?.kind === 'file') out.files.path2++;
    if (e1?.kind === 'file' && baseName(path) === SENTINEL_NAME) out.sentinels.path1.push(path);
    if (e2?.kind === 'file' && baseName(path) === SENTINEL_NAME) out.sentinels.path2.push(path);
    const c1 = changeOf(b, 1, e1, o.compare);
    const c2 = changeOf(b, 2, e2, o.compare);
    if (c1 === 'changed' && b?.kind === 'file') out.changedFiles.path1++;
    if (c2 === 'changed' && b?.kind === 'file') out.changedFiles.path2++;
    const d: Delta = { path, c1, c2, ...(b === undefined ? {} : { b }), ...(e1 === undefined ? {} : { e1 }), ...(e2 === undefined ? {} : { e2 }) };
    if (o.keepAll) {
      out.both?.push(d);
      return;
    }
    if (c1 === 'none' && c2 === 'none') {
      if (e1?.kind === 'file' && e2?.kind === 'file' && (e1.size !== e2.size || (e1.contentMd5 !== undefined && e2.contentMd5 !== undefined && e1.contentMd5 !== e2.contentMd5))) out.outOfSync.push(path);
      return;
    }
    const fresh = (c: Change, e: Entry | undefined): boolean => (c === 'new' || c === 'changed' || c === 'meta') && e !== undefined && e.mtimeMs > settledBefore && e.mtimeMs <= skewedAfter;
    if (fresh(c1, e1) || fresh(c2, e2)) {
      out.deferred.push(path);
      return;
    }
    out.deltas.push(d);
  };
  const { rows } = await baseline.count();
  let met = 0;
  for await (const batch of march(readAhead(listSide(p1, 'path1', o.signal)), readAhead(listSide(p2, 'path2', o.signal)))) {
    const items: { path: string; e1: Entry | undefined; e2: Entry | undefined }[] = [];
    for (const item of batch) {
      const e1 = keep(item.left);
      const e2 = keep(item.right);
      if (e1 !== undefined || e2 !== undefined) items.push({ path: item.path, e1, e2 });
    }
    if (items.length === 0) continue;
    const rowsHere = await baseline.lookup(items.map((i) => i.path));
    if (rowsHere.size > 0) {
      met += rowsHere.size;
      await seen.add([...rowsHere.keys()]);
    }
    for (const { path, e1, e2 } of items) consider(path, rowsHere.get(path), e1, e2);
  }
  // Baseline paths gone from both sides (or now filtered out: those are simply forgotten by resync).
  if (met < rows) {
    for await (const page of seen.missing()) {
      for (const b of page) {
        if (isReserved(b.path) || (!o.withDirs && b.kind === 'dir')) continue;
        consider(b.path, b, undefined, undefined);
      }
    }
  }
  return out;
}
