import { aclFromMode } from '../core/acl.js';
import type { AclStatus } from '../core/acl-types.js';
import type { Entry } from '../core/entry.js';
import { isStorageError, StorageError } from '../core/errors.js';
import { march, walk, type MarchItem } from '../core/walk.js';
import { nameRejection } from '../core/names.js';
import type { Store } from '../core/store.js';
import { md5OfFile } from '../engine/transfer.js';
import { createPathFilter } from '../engine/filters.js';
import { compareAcl, compareOwnership, inSample, type Difference, type DifferenceKind } from './compare.js';
import { contentsEqual } from './content-compare.js';
import { Slots } from './slots.js';
import { sleep } from '../core/sleep.js';

/** Times one pair is compared before a retryable error (after the stores' own retries) is reported. */
const PAIR_ATTEMPTS = 3;

export interface ValidateOptions {
  /** Path inside each store to compare ('' = the store's root). */
  sourcePath?: string;
  destPath?: string;
  /** Read both sides and compare their content (MD5s are reported for files that differ). */
  checksum?: boolean;
  /** Check only this percentage of files (directories are always checked). 100 = all. */
  samplePercent?: number;
  /** Compare owner and group (default: when both stores have ownership). */
  owner?: boolean;
  /** Compare permission bits (default: when both stores have permissions). */
  permissions?: boolean;
  /** Compare ACLs (default: when both stores have ACLs). */
  acl?: boolean;
  /** Compare source modification times with the destination's `lakeshift_mtime` property. */
  times?: boolean;
  identityMap?: ReadonlyMap<string, string>;
  include?: string[];
  exclude?: string[];
  /** Paths compared at once, and ranged reads (of both sides) in flight at once. Default 8. */
  concurrency?: number;
  /** Most differences kept in the report (the count is always exact). */
  maxDifferences?: number;
  signal?: AbortSignal;
  onProgress?: (progress: { checked: number; differences: number }) => void;
}

export interface ValidationReport {
  schemaVersion: 1;
  source: string;
  dest: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  checks: { checksum: boolean; owner: boolean; permissions: boolean; acl: boolean; times: boolean; samplePercent: number };
  checked: { files: number; directories: number; bytesHashed: number; notSampled: number };
  /** Source paths the destination cannot hold (expected missing), with reasons; capped list. */
  skippedByName: { count: number; examples: { path: string; reason: string }[] };
  differenceCount: number;
  byKind: Partial<Record<DifferenceKind, number>>;
  differences: Difference[];
  /** True when the differences list was capped. */
  truncated: boolean;
  ok: boolean;
}

/** Property in which migrate keeps the source modification time when the destination cannot set it. */
export const MTIME_PROPERTY = 'lakeshift_mtime';

/**
 * True when a listing entry carries everything getAcl would return for it: a file (files have no
 * default ACL) whose listing says it has no extended ACL and gives owner, group and permission bits.
 * Its ACL is then exactly the three base entries of its mode. Directories always need getAcl: a
 * listing's extended-ACL flag may not cover default ACLs (Gen2's `+` marks extended access entries only).
 */
function listingHoldsAcl(e: Entry): boolean {
  return e.kind === 'file' && e.hasAcl === false && e.owner !== undefined && e.group !== undefined && e.permissions !== undefined;
}

/**
 * Marches source and destination and reports every difference: missing, extra, type, size,
 * MD5 (with checksum), owner, group, permissions and ACL equivalence after translation.
 * Never throws for per-path failures (they become `error` differences); throws StorageError when a
 * side cannot be listed at all.
 */
export async function validateStores(source: Store, dest: Store, options: ValidateOptions = {}): Promise<ValidationReport> {
  const started = Date.now();
  const sourcePath = options.sourcePath ?? '';
  const destPath = options.destPath ?? '';
  const both = (k: 'ownership' | 'permissions' | 'acl'): boolean => source.capabilities[k] && dest.capabilities[k];
  const checks = {
    checksum: options.checksum ?? false,
    owner: options.owner ?? both('ownership'),
    permissions: options.permissions ?? both('permissions'),
    acl: options.acl ?? both('acl'),
    times: options.times ?? false,
    samplePercent: options.samplePercent ?? 100,
  };
  const stickyBit = source.capabilities.stickyBit && dest.capabilities.stickyBit;
  // The same include/exclude semantics as migrate: excludes drop whole subtrees, includes select files.
  const filter = createPathFilter(options.include, options.exclude);
  const maxDifferences = options.maxDifferences ?? 10_000;
  const differences: Difference[] = [];
  const byKind: Partial<Record<DifferenceKind, number>> = {};
  let differenceCount = 0;
  const skipped = { count: 0, examples: [] as { path: string; reason: string }[] };
  const checked = { files: 0, directories: 0, bytesHashed: 0, notSampled: 0 };
  const rejectedDirs: string[] = [];

  const report = (d: Difference): void => {
    differenceCount++;
    byKind[d.kind] = (byKind[d.kind] ?? 0) + 1;
    if (differences.length < maxDifferences) differences.push(d);
  };
  const selected = (item: MarchItem): boolean => filter.accepts(item.path, (item.left ?? item.right)?.kind ?? 'file');
  const under = (path: string, dirs: string[]): boolean => dirs.some((d) => path.startsWith(`${d}/`));
  const full = (base: string, rel: string): string => (base === '' ? rel : rel === '' ? base : `${base}/${rel}`);

  const concurrency = Math.max(1, options.concurrency ?? 8);
  // Ranged reads in flight across all files: bounds memory and connections however big the files are.
  const readSlots = new Slots(concurrency);

  const compareContent = async (path: string, s: Entry, d: Entry, emit: (d: Difference) => void): Promise<void> => {
    const sp = full(sourcePath, path);
    const dp = full(destPath, path);
    const same = await contentsEqual(source, sp, dest, dp, s.size, readSlots, options.signal);
    checked.bytesHashed += s.size + d.size;
    if (same) return;
    // Rare path: the bytes differ, so compute whole-file MD5s for the report (one ranged-read slot).
    const release = await readSlots.acquire();
    let hs: string;
    let hd: string;
    try {
      [hs, hd] = await Promise.all([md5OfFile(source, sp, options.signal), md5OfFile(dest, dp, options.signal)]);
    } finally {
      release();
    }
    if (hs !== hd) emit({ path, kind: 'checksum', expected: hs, actual: hd, detail: 'the content differs (MD5)' });
    else emit({ path, kind: 'error', detail: 'could not compare: the content differed while read in ranges but the whole-file MD5s match; the file may have changed during validation' });
  };

  const checkPair = async (item: MarchItem): Promise<void> => {
    const { path, left: s, right: d } = item;
    if (s === undefined && d !== undefined) {
      report({ path, kind: 'extra', actual: d.kind, detail: `${d.kind} exists only at the destination` });
      return;
    }
    if (s === undefined) return;
    if (d === undefined) {
      const reason = under(path, rejectedDirs) ? 'a parent directory cannot exist at the destination' : nameRejection(path, dest.capabilities.names);
      if (reason !== undefined) {
        skipped.count++;
        if (s.kind === 'directory') rejectedDirs.push(path);
        if (skipped.examples.length < 100) skipped.examples.push({ path, reason });
        return;
      }
      report({ path, kind: 'missing', expected: s.kind, detail: `${s.kind} is missing at the destination` });
      return;
    }
    if (s.kind !== d.kind) {
      report({ path, kind: 'type', expected: s.kind, actual: d.kind, detail: `is a ${d.kind} at the destination, a ${s.kind} at the source` });
      return;
    }
    if (s.kind === 'file') {
      if (!inSample(path, checks.samplePercent)) {
        checked.notSampled++;
        return;
      }
      checked.files++;
    } else checked.directories++;
    const sig = options.signal === undefined ? {} : { signal: options.signal };
    // One comparison of the pair; its differences are kept until it completes, so a retry after a
    // passing network error (the stores already retried each request) never reports anything twice.
    const compareOnce = async (emit: (d: Difference) => void): Promise<void> => {
      if (s.kind === 'file' && s.size !== d.size) {
        emit({ path, kind: 'size', expected: String(s.size), actual: String(d.size), detail: `size is ${d.size} bytes, expected ${s.size}` });
      } else if (s.kind === 'file' && checks.checksum) {
        await compareContent(path, s, d, emit);
      }
      const ownership = { identityMap: options.identityMap, owner: checks.owner, permissions: checks.permissions, stickyBit };
      if (checks.acl && !(listingHoldsAcl(s) && listingHoldsAcl(d))) {
        const [as, ad] = await Promise.all([source.getAcl(full(sourcePath, path), sig), dest.getAcl(full(destPath, path), sig)]);
        for (const diff of compareOwnership(path, as, ad, ownership)) emit(diff);
        for (const diff of compareAcl(path, s.kind, as, ad, options.identityMap)) emit(diff);
      } else {
        for (const diff of compareOwnership(path, s, d, ownership)) emit(diff);
        // Base-only ACLs are the mode bits: the same 'acl' verdict getAcl would give when the bits
        // are not already reported as a permissions difference.
        if (checks.acl && !checks.permissions && s.permissions !== undefined && d.permissions !== undefined) {
          const base = (mode: number): AclStatus => ({ owner: '', group: '', permissions: mode, entries: aclFromMode(mode) });
          for (const diff of compareAcl(path, s.kind, base(s.permissions), base(d.permissions), options.identityMap)) emit(diff);
        }
      }
      if (checks.times && s.kind === 'file') {
        const props = await dest.getProperties(full(destPath, path), sig);
        const kept = props[MTIME_PROPERTY];
        if (kept !== String(s.mtimeMs) && d.mtimeMs !== s.mtimeMs) {
          emit({ path, kind: 'times', expected: String(s.mtimeMs), actual: kept ?? String(d.mtimeMs), detail: 'the source modification time is not preserved' });
        }
      }
    };
    for (let attempt = 1; ; attempt++) {
      const found: Difference[] = [];
      try {
        await compareOnce((diff) => found.push(diff));
        for (const diff of found) report(diff);
        return;
      } catch (error) {
        if (isStorageError(error, 'cancelled')) throw error;
        if (error instanceof StorageError && error.retryable && attempt < PAIR_ATTEMPTS) {
          await sleep(100 * 2 ** (attempt - 1), options.signal);
          continue;
        }
        const message = error instanceof Error ? error.message : String(error);
        report({ path, kind: 'error', detail: `could not compare: ${message}` });
        return;
      }
    }
  };

  const walkOpts = { pageSize: 1000, ...(options.signal === undefined ? {} : { signal: options.signal }) };
  if (checks.acl) {
    // The roots themselves: migrate applies the source root's ACL to the destination root.
    try {
      const [as, ad] = await Promise.all([source.getAcl(sourcePath), dest.getAcl(destPath)]);
      for (const diff of compareAcl('', 'directory', as, ad, options.identityMap)) report({ ...diff, path: '/' });
    } catch (error) {
      if (!isStorageError(error)) throw error;
      report({ path: '/', kind: 'error', detail: `could not compare the root ACLs: ${error.message}` });
    }
  }
  // Paths are started in march order and the listing goes on while they run (no wait at page ends).
  // Rejected-name bookkeeping relies on that order: checkPair records a one-sided source directory
  // before its first await, so before any of its descendants starts.
  const pathSlots = new Slots(concurrency);
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  try {
    for await (const batch of march(walk(source, sourcePath, walkOpts), walk(dest, destPath, walkOpts))) {
      for (const item of batch) {
        if (!selected(item)) continue;
        const release = await pathSlots.acquire();
        if (failure !== undefined) {
          release();
          break;
        }
        const task: Promise<void> = checkPair(item)
          .catch((error: unknown) => {
            failure ??= { error };
          })
          .finally(() => {
            release();
            running.delete(task);
          });
        running.add(task);
      }
      if (failure !== undefined) break;
      options.onProgress?.({ checked: checked.files + checked.directories, differences: differenceCount });
    }
  } finally {
    await Promise.allSettled(running);
  }
  if (failure !== undefined) throw failure.error;
  options.onProgress?.({ checked: checked.files + checked.directories, differences: differenceCount });
  if (options.signal?.aborted) throw new StorageError('cancelled', 'Validation was cancelled');
  const finished = Date.now();
  return {
    schemaVersion: 1,
    source: source.displayUri,
    dest: dest.displayUri,
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date(finished).toISOString(),
    durationMs: finished - started,
    checks,
    checked,
    skippedByName: skipped,
    differenceCount,
    byKind,
    differences,
    truncated: differenceCount > differences.length,
    ok: differenceCount === 0,
  };
}
