import type { Entry } from '../../core/entry.js';
import type { Gen1Client } from './client.js';
import { childPath, listStatusSchema, parseWire, toEntry, type FileStatus } from './wire.js';

/** Prefix of the writer's temporary files; entries with it are hidden from listings. */
export const TEMP_PREFIX = '.lakeshift-tmp-';

export function isTempName(name: string): boolean {
  return name.startsWith(TEMP_PREFIX);
}

/**
 * Pages through LISTSTATUS of one path: `listAfter` = the continuationToken (or, for servers that
 * send none, the last name of a full page). Sorted by name as the service returns it.
 */
export async function* listStatusPages(
  client: Gen1Client,
  fullPath: string,
  pageSize: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<FileStatus[]> {
  let after: string | undefined;
  while (true) {
    const { json } = await client.call({ op: 'LISTSTATUS', method: 'GET', path: fullPath, query: { listSize: pageSize, listAfter: after, tooid: true }, signal });
    const statuses = parseWire(listStatusSchema, json, 'LISTSTATUS', fullPath).FileStatuses;
    const page = statuses.FileStatus;
    if (page.length > 0) yield page;
    const last = page[page.length - 1];
    if (statuses.continuationToken !== undefined) {
      if (statuses.continuationToken === '' || page.length === 0) return;
      after = statuses.continuationToken;
    } else {
      if (page.length < pageSize || last === undefined || last.pathSuffix === '') return;
      after = last.pathSuffix;
    }
  }
}

export interface ListContext {
  client: Gen1Client;
  /** Store-relative path -> path on the account. */
  toFull(path: string): string;
  pageSize: number;
  signal: AbortSignal | undefined;
}

/** One level: pages of entries (store-relative paths), temp files hidden. */
export async function* listLevel(ctx: ListContext, path: string): AsyncGenerator<Entry[]> {
  for await (const page of listStatusPages(ctx.client, ctx.toFull(path), ctx.pageSize, ctx.signal)) {
    const entries: Entry[] = [];
    for (const status of page) {
      if (status.pathSuffix !== '' && isTempName(status.pathSuffix)) continue;
      entries.push(toEntry(status, childPath(path, status)));
    }
    if (entries.length > 0) yield entries;
  }
}

/** Depth first: each entry, then (for directories) its whole subtree. Holds one page per level. */
async function* walkEntries(ctx: ListContext, path: string): AsyncGenerator<Entry> {
  for await (const page of listLevel(ctx, path)) {
    for (const entry of page) {
      yield entry;
      if (entry.kind === 'directory' && entry.path !== path) yield* walkEntries(ctx, entry.path);
    }
  }
}

/**
 * Recursive listing in walk order (src/core/entry.ts comparePaths): a directory comes right before
 * its descendants. Memory: one LISTSTATUS page per directory level plus one output page.
 */
export async function* listRecursive(ctx: ListContext, path: string): AsyncGenerator<Entry[]> {
  let out: Entry[] = [];
  for await (const entry of walkEntries(ctx, path)) {
    out.push(entry);
    if (out.length >= ctx.pageSize) {
      yield out;
      out = [];
    }
  }
  if (out.length > 0) yield out;
}
