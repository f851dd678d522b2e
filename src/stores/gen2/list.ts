import type { Path as PathItem } from '@azure/storage-file-datalake';
import { baseName, isStorageError, StorageError, type Entry } from '../../core/index.js';
import type { Gen2Client } from './client.js';
import { modeFromPermissions, normalizeEtag } from './convert.js';
import { isTempName } from './names.js';
import { modeFromSymbolic } from './lean-stat.js';

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

/** One entry of a List Paths answer as the service sends it (JSON strings). */
interface ListedPath {
  name: string;
  isDirectory?: string | boolean;
  contentLength?: string | number;
  lastModified?: string;
  etag?: string;
  owner?: string;
  group?: string;
  permissions?: string;
  expiryTime?: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined);

/** The `paths` of a List Paths JSON body; entries without a name are dropped. Throws transient on text that is not that JSON. */
export function parseListedPaths(body: string | undefined): ListedPath[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body ?? '');
  } catch {
    throw new StorageError('transient', 'Gen2 list answered a body that is not JSON (broken connection or proxy).');
  }
  const paths = typeof parsed === 'object' && parsed !== null ? (parsed as { paths?: unknown }).paths : undefined;
  if (!Array.isArray(paths)) return [];
  const out: ListedPath[] = [];
  for (const p of paths as unknown[]) {
    if (typeof p !== 'object' || p === null) continue;
    const r = p as Record<string, unknown>;
    const name = str(r['name']);
    if (name === undefined) continue;
    const item: ListedPath = { name };
    for (const k of ['isDirectory', 'contentLength', 'lastModified', 'etag', 'owner', 'group', 'permissions', 'expiryTime'] as const) {
      const v = str(r[k]);
      if (v !== undefined) item[k] = v;
    }
    out.push(item);
  }
  return out;
}

/** Milliseconds between 1601-01-01 (Windows file time epoch) and 1970-01-01. */
const FILETIME_EPOCH_MS = Date.UTC(1601, 0, 1);

/** The same Entry as entryFromPathItem, from the wire JSON (no SDK deserialisation: it builds three RangeErrors, with stacks, per entry). */
export function entryFromListedPath(item: ListedPath, storePath: string): Entry {
  const isDir = String(item.isDirectory) === 'true';
  const modified = Date.parse(item.lastModified ?? '');
  const entry: Entry = { path: storePath, kind: isDir ? 'directory' : 'file', size: isDir ? 0 : Number(item.contentLength ?? 0), mtimeMs: Number.isFinite(modified) ? modified : 0 };
  if (item.owner !== undefined) entry.owner = item.owner;
  if (item.group !== undefined) entry.group = item.group;
  const perms = item.permissions === undefined || item.permissions === '' ? undefined : modeFromSymbolic(item.permissions);
  if (perms !== undefined) {
    entry.permissions = perms.mode;
    entry.hasAcl = perms.extended;
  }
  const etag = normalizeEtag(item.etag);
  if (etag !== undefined) entry.etag = etag;
  const ticks = Number(item.expiryTime ?? 0);
  if (Number.isFinite(ticks) && ticks > 0) {
    const expiry = ticks / 10_000 + FILETIME_EPOCH_MS;
    if (expiry > 0) entry.expiryMs = expiry;
  }
  return entry;
}

/**
 * Yields the children of one directory (path within the filesystem, '' = root), one service page at a
 * time, without staging temp files. Throws not-found when the directory does not exist.
 */
export async function* listDirectoryPages(client: Gen2Client, mapper: PathMapper, fsDir: string, pageSize: number, signal: AbortSignal | undefined): AsyncGenerator<Entry[]> {
  let continuation: string | undefined;
  const storeDir = mapper.toStore(fsDir);
  const lean = client.lean;
  if (lean !== undefined) {
    do {
      const token = continuation;
      const res = await client.run('list', storeDir, signal, ({ signal: s }) => lean.listPathsPage(fsDir, pageSize, token, s));
      const next = res.headers.get('x-ms-continuation');
      continuation = next === undefined || next === '' ? undefined : next;
      const entries: Entry[] = [];
      for (const item of parseListedPaths(res.bodyText)) {
        if (isTempName(baseName(item.name))) continue;
        entries.push(entryFromListedPath(item, mapper.toStore(item.name)));
      }
      if (entries.length > 0) yield entries;
    } while (continuation !== undefined);
    return;
  }
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
