import { comparePaths, type Entry } from '../core/entry.js';
import { isStorageError, type StorageError } from '../core/errors.js';
import type { Store } from '../core/store.js';
import { walk } from '../core/walk.js';

/** Called for each directory the scan cannot list. */
export type OnUnreadable = (path: string, error: StorageError) => void;

export interface TraverseOptions {
  pageSize?: number;
  signal?: AbortSignal;
}

/**
 * Streams the whole namespace in walk order, one page at a time. Uses the recursive `walk` primitive;
 * when that stops on a permission-denied directory, continues level by level from where it stopped,
 * reporting every unreadable directory through `onUnreadable` and skipping its subtree. Any other
 * error is thrown.
 */
export async function* traverseNamespace(store: Store, options: TraverseOptions, onUnreadable: OnUnreadable): AsyncIterable<Entry[]> {
  let last: string | undefined;
  try {
    for await (const page of readAhead(walk(store, '', options))) {
      yield page;
      const tail = page[page.length - 1];
      if (tail !== undefined) last = tail.path;
    }
    return;
  } catch (error) {
    if (!isStorageError(error, 'permission-denied')) throw error;
  }
  yield* walkLevels(store, '', last, options, onUnreadable);
}

/**
 * Iterates `source` one item ahead: the next page is requested before the current one is handed on,
 * so a remote store's next listing request overlaps the processing of the current page.
 */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncIterable<T> {
  const it = source[Symbol.asyncIterator]();
  let pending = it.next();
  let done = false;
  try {
    while (true) {
      const result = await pending;
      if (result.done === true) {
        done = true;
        return;
      }
      pending = it.next();
      yield result.value;
    }
  } finally {
    if (!done) {
      // The consumer stopped early (or a page failed): settle the prefetch, then close the source.
      await pending.catch(() => undefined);
      await it.return?.();
    }
  }
}

const BATCH = 1000;

/**
 * Depth-first, level-by-level traversal of `dir` (excluded) yielding only entries after `after` in
 * walk order. Holds one listing iterator per open level.
 */
async function* walkLevels(
  store: Store,
  dir: string,
  after: string | undefined,
  options: TraverseOptions,
  onUnreadable: OnUnreadable,
): AsyncIterable<Entry[]> {
  let batch: Entry[] = [];
  try {
    for await (const page of store.list(dir, { ...options, recursive: false })) {
      for (const entry of page) {
        if (entry.path === dir) continue;
        const cmp = after === undefined ? 1 : comparePaths(entry.path, after);
        const partlyDone = after !== undefined && cmp <= 0 && after.startsWith(`${entry.path}/`);
        if (cmp <= 0 && !partlyDone && !(cmp === 0 && entry.kind === 'directory')) continue;
        if (cmp > 0) batch.push(entry);
        if (entry.kind === 'directory') {
          if (batch.length > 0) {
            yield batch;
            batch = [];
          }
          yield* walkLevels(store, entry.path, cmp > 0 ? undefined : after, options, onUnreadable);
        } else if (batch.length >= BATCH) {
          yield batch;
          batch = [];
        }
      }
    }
  } catch (error) {
    if (!isStorageError(error, 'permission-denied')) throw error;
    onUnreadable(dir, error);
  }
  if (batch.length > 0) yield batch;
}
