import type { Entry } from '../../core/entry.js';
import type { Gen1Client } from './client.js';
import { childPath, parseListStatus, toEntry, type FileStatus } from './wire.js';

/** Prefix of the writer's temporary files; entries with it are hidden from listings. */
export const TEMP_PREFIX = '.lakeshift-tmp-';

export function isTempName(name: string): boolean {
  return name.startsWith(TEMP_PREFIX);
}

interface LevelPage {
  statuses: FileStatus[];
  /** listAfter for the next page; undefined after the last page. */
  next: string | undefined;
}

/**
 * One LISTSTATUS call. The next `listAfter` is the continuationToken, or for servers that send
 * none, the last name of a full page.
 */
async function fetchLevelPage(client: Gen1Client, fullPath: string, after: string | undefined, pageSize: number, signal: AbortSignal | undefined): Promise<LevelPage> {
  const { json } = await client.call({ op: 'LISTSTATUS', method: 'GET', path: fullPath, query: { listSize: pageSize, listAfter: after, tooid: true }, signal });
  const result = parseListStatus(json, fullPath).FileStatuses;
  const page = result.FileStatus;
  const last = page[page.length - 1];
  let next: string | undefined;
  if (result.continuationToken !== undefined) next = result.continuationToken === '' || page.length === 0 ? undefined : result.continuationToken;
  else next = page.length < pageSize || last === undefined || last.pathSuffix === '' ? undefined : last.pathSuffix;
  return { statuses: page, next };
}

export interface ListContext {
  client: Gen1Client;
  /** Store-relative path -> path on the account. */
  toFull(path: string): string;
  pageSize: number;
  /** Directories whose first page is fetched ahead during recursive listings. */
  lookahead: number;
  signal: AbortSignal | undefined;
}

function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/**
 * One level: pages of entries (store-relative paths), temp files hidden. The next page is requested
 * while the current one is consumed. `first` is an already requested first page.
 */
export async function* listLevel(ctx: ListContext, path: string, first?: Promise<LevelPage>): AsyncGenerator<Entry[]> {
  const full = ctx.toFull(path);
  let pending: Promise<LevelPage> | undefined = first ?? fetchLevelPage(ctx.client, full, undefined, ctx.pageSize, ctx.signal);
  while (pending !== undefined) {
    const page: LevelPage = await pending;
    pending = page.next === undefined ? undefined : quiet(fetchLevelPage(ctx.client, full, page.next, ctx.pageSize, ctx.signal));
    const entries: Entry[] = [];
    for (const status of page.statuses) {
      if (status.pathSuffix !== '' && isTempName(status.pathSuffix)) continue;
      entries.push(toEntry(status, childPath(path, status)));
    }
    if (entries.length > 0) yield entries;
  }
}

/**
 * Depth first, in runs: consecutive entries of one directory up to and including a subdirectory,
 * then that subdirectory's whole subtree, and so on. The first pages of the next few subdirectories
 * are requested ahead, so round trips overlap. Memory: per directory level one page plus `lookahead`
 * first pages.
 */
async function* walkRuns(ctx: ListContext, path: string, first?: Promise<LevelPage>): AsyncGenerator<Entry[]> {
  for await (const page of listLevel(ctx, path, first)) {
    const dirs = page.filter((e) => e.kind === 'directory' && e.path !== path);
    const ahead = new Map<string, Promise<LevelPage>>();
    let cursor = 0;
    const topUp = (): void => {
      while (ahead.size < ctx.lookahead && cursor < dirs.length) {
        const dir = dirs[cursor++];
        if (dir !== undefined) ahead.set(dir.path, quiet(fetchLevelPage(ctx.client, ctx.toFull(dir.path), undefined, ctx.pageSize, ctx.signal)));
      }
    };
    topUp();
    let start = 0;
    for (let i = 0; i < page.length; i++) {
      const entry = page[i] as Entry;
      if (entry.kind !== 'directory' || entry.path === path) continue;
      yield page.slice(start, i + 1);
      start = i + 1;
      const prefetched = ahead.get(entry.path);
      ahead.delete(entry.path);
      topUp();
      yield* walkRuns(ctx, entry.path, prefetched);
    }
    if (start < page.length) yield start === 0 ? page : page.slice(start);
  }
}

/**
 * Recursive listing in walk order (src/core/entry.ts comparePaths): a directory comes right before
 * its descendants. Memory: one LISTSTATUS page per directory level plus one output page.
 */
export async function* listRecursive(ctx: ListContext, path: string): AsyncGenerator<Entry[]> {
  let out: Entry[] = [];
  for await (const run of walkRuns(ctx, path)) {
    for (const entry of run) {
      out.push(entry);
      if (out.length >= ctx.pageSize) {
        yield out;
        out = [];
      }
    }
  }
  if (out.length > 0) yield out;
}
