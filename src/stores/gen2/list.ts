import type { Path as PathItem } from '@azure/storage-file-datalake';
import { baseName, isStorageError, type Entry } from '../../core/index.js';
import type { Gen2Client } from './client.js';
import { modeFromPermissions, normalizeEtag } from './convert.js';
import { isTempName } from './names.js';

/**
 * Listing. One directory is listed with listPaths(recursive=false), page by page with continuation
 * tokens, each page request retried on its own. Recursive listings walk depth first one directory at a
 * time, so they come in walk order (comparePaths: 'a', 'a/b', 'a b') whatever order the service's own
 * recursive listing would use, and memory stays at one page per open directory level.
 */

/** Largest page listPaths serves. */
export const MAX_LIST_PAGE = 5000;

export interface PathMapper {
  /** Store path -> path within the filesystem. */
  toFs(storePath: string): string;
  /** Path within the filesystem -> store path. */
  toStore(fsPath: string): string;
}

export function entryFromPathItem(item: PathItem, storePath: string): Entry {
  const entry: Entry = {
    path: storePath,
    kind: item.isDirectory === true ? 'directory' : 'file',
    size: item.isDirectory === true ? 0 : (item.contentLength ?? 0),
    mtimeMs: item.lastModified?.getTime() ?? 0,
  };
  if (item.owner !== undefined) entry.owner = item.owner;
  if (item.group !== undefined) entry.group = item.group;
  if (item.permissions !== undefined) {
    entry.permissions = modeFromPermissions(item.permissions);
    entry.hasAcl = item.permissions.extendedAcls;
  }
  const etag = normalizeEtag(item.etag);
  if (etag !== undefined) entry.etag = etag;
  const expiry = item.expiresOn?.getTime();
  if (expiry !== undefined && expiry > 0) entry.expiryMs = expiry;
  return entry;
}

/**
 * Yields the children of one directory (path within the filesystem, '' = root), one service page at a
 * time, without staging temp files. Throws not-found when the directory does not exist.
 */
export async function* listDirectoryPages(client: Gen2Client, mapper: PathMapper, fsDir: string, pageSize: number, signal: AbortSignal | undefined): AsyncGenerator<Entry[]> {
  let continuation: string | undefined;
  const storeDir = mapper.toStore(fsDir);
  do {
    const token = continuation;
    const page = await client.run('list', storeDir, signal, async ({ signal: s }) => {
      const it = client.fs.listPaths({ recursive: false, path: fsDir, abortSignal: s }).byPage({ maxPageSize: pageSize, ...(token === undefined ? {} : { continuationToken: token }) });
      const next = await it.next();
      if (next.done === true) return undefined;
      return next.value;
    });
    if (page === undefined) return;
    continuation = page.continuation === '' ? undefined : page.continuation;
    const entries: Entry[] = [];
    for (const item of page.pathItems ?? []) {
      if (item.name === undefined || isTempName(baseName(item.name))) continue;
      entries.push(entryFromPathItem(item, mapper.toStore(item.name)));
    }
    if (entries.length > 0) yield entries;
  } while (continuation !== undefined);
}

interface Frame {
  pages: AsyncGenerator<Entry[]>;
  buffer: Entry[];
  index: number;
}

/**
 * Walks the subtree under `fsDir` depth first in walk order, yielding pages of up to `pageSize`
 * entries (the directory itself excluded). A subdirectory that vanishes mid-walk is skipped.
 */
export async function* walkPages(client: Gen2Client, mapper: PathMapper, fsDir: string, pageSize: number, signal: AbortSignal | undefined): AsyncGenerator<Entry[]> {
  const stack: Frame[] = [{ pages: listDirectoryPages(client, mapper, fsDir, pageSize, signal), buffer: [], index: 0 }];
  let out: Entry[] = [];
  try {
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as Frame;
      if (top.index >= top.buffer.length) {
        let next: IteratorResult<Entry[]>;
        try {
          next = await top.pages.next();
        } catch (err) {
          // Only the walk's own root must exist; a subdirectory deleted meanwhile is skipped.
          if (stack.length > 1 && isStorageError(err, 'not-found')) next = { done: true, value: undefined };
          else throw err;
        }
        if (next.done === true) stack.pop();
        else {
          top.buffer = next.value;
          top.index = 0;
        }
        continue;
      }
      const entry = top.buffer[top.index++] as Entry;
      out.push(entry);
      if (out.length >= pageSize) {
        yield out;
        out = [];
      }
      if (entry.kind === 'directory') {
        stack.push({ pages: listDirectoryPages(client, mapper, mapper.toFs(entry.path), pageSize, signal), buffer: [], index: 0 });
      }
    }
    if (out.length > 0) yield out;
  } finally {
    for (const frame of stack) await frame.pages.return(undefined);
  }
}
