import { opendir } from 'node:fs/promises';
import { compareNames, joinPath, type Entry } from '../../core/entry.js';
import { isStorageError, throwIfCancelled } from '../../core/errors.js';
import { mapOsError, PART_PREFIX, SIDECAR_DIR } from './errors.js';

/** Stats one store path for a listing: undefined for vanished or special files (they are skipped). */
export type StatForList = (path: string) => Promise<Entry | undefined>;

/** Names of one directory in code point order, without lakeshift's own files. Reads the directory as a stream. */
export async function readSortedNames(absDir: string, relDir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    const dir = await opendir(absDir, { bufferSize: 256 });
    for await (const dirent of dir) {
      const name = dirent.name;
      if (name.startsWith(PART_PREFIX) || (relDir === '' && name === SIDECAR_DIR)) continue;
      names.push(name);
    }
  } catch (e) {
    throw mapOsError(e, relDir);
  }
  return names.sort(compareNames);
}

/** Like readSortedNames, but a directory removed since it was stat'ed reads as empty. */
async function readChildNames(absDir: string, relDir: string): Promise<string[]> {
  try {
    return await readSortedNames(absDir, relDir);
  } catch (e) {
    if (isStorageError(e, 'not-found')) return [];
    throw e;
  }
}

/**
 * Lists a directory (recursively: depth first, walk order) in pages. Holds one sorted name list per
 * open directory level, never the whole tree. Children are stat'ed a page at a time, concurrently.
 */
export async function* listLocalTree(
  relDir: string,
  absOf: (rel: string) => string,
  statEntry: StatForList,
  options: { recursive: boolean; pageSize: number; signal: AbortSignal | undefined },
): AsyncIterable<Entry[]> {
  const stack: Array<{ dir: string; names: string[]; index: number }> = [
    { dir: relDir, names: await readSortedNames(absOf(relDir), relDir), index: 0 },
  ];
  let page: Entry[] = [];
  while (stack.length > 0) {
    throwIfCancelled(options.signal, relDir);
    const top = stack[stack.length - 1];
    if (top === undefined) break;
    if (top.index >= top.names.length) {
      stack.pop();
      continue;
    }
    // Stat ahead within this directory, but stop at the first subdirectory when recursing (walk order).
    const batch = top.names.slice(top.index, top.index + Math.max(1, options.pageSize - page.length));
    const entries = await Promise.all(batch.map((name) => statEntry(joinPath(top.dir, name))));
    let consumed = 0;
    for (const entry of entries) {
      consumed++;
      if (entry === undefined) continue;
      page.push(entry);
      if (options.recursive && entry.kind === 'directory') {
        top.index += consumed;
        consumed = -1;
        stack.push({ dir: entry.path, names: await readChildNames(absOf(entry.path), entry.path), index: 0 });
        break;
      }
    }
    if (consumed >= 0) top.index += consumed;
    if (page.length >= options.pageSize) {
      yield page;
      page = [];
    }
  }
  if (page.length > 0) yield page;
}
