import { joinPath } from '../../core/entry.js';
import { isStorageError } from '../../core/errors.js';
import type { Gen1Client } from './client.js';
import { isTempName } from './list.js';
import { booleanSchema, listStatusSchema, parseWire } from './wire.js';

/** What removeGen1TempFiles needs from the store. */
export interface TempCleanupContext {
  client: Gen1Client;
  /** Store-relative path -> path on the account (throws invalid-argument for malformed paths). */
  toFull(path: string): string;
  /** LISTSTATUS page size (1..4000). */
  pageSize: number;
  signal: AbortSignal | undefined;
}

/**
 * Names of the writer temp files (`.lakeshift-tmp-*`, type FILE) directly inside `full`, from the raw
 * paged LISTSTATUS (which, unlike the store's listings, does not hide them). All pages are read before
 * anything is deleted, so deletions cannot disturb the paging. Undefined when `full` does not exist.
 */
async function findTempNames(ctx: TempCleanupContext, full: string): Promise<string[] | undefined> {
  const names: string[] = [];
  let after: string | undefined;
  for (;;) {
    let json: unknown;
    try {
      ({ json } = await ctx.client.call({ op: 'LISTSTATUS', method: 'GET', path: full, query: { listSize: ctx.pageSize, listAfter: after }, signal: ctx.signal }));
    } catch (error) {
      if (isStorageError(error, 'not-found')) return undefined;
      throw error;
    }
    const result = parseWire(listStatusSchema, json, 'LISTSTATUS', full).FileStatuses;
    const page = result.FileStatus;
    for (const status of page) {
      // pathSuffix '' means `full` is itself a file: it has no children.
      if (status.pathSuffix !== '' && status.type === 'FILE' && isTempName(status.pathSuffix)) names.push(status.pathSuffix);
    }
    const last = page[page.length - 1]?.pathSuffix;
    let next: string | undefined;
    if (result.continuationToken !== undefined) next = result.continuationToken === '' || page.length === 0 ? undefined : result.continuationToken;
    else next = page.length < ctx.pageSize || last === undefined || last === '' ? undefined : last;
    if (next === undefined || next === after) return names;
    after = next;
  }
}

/**
 * Deletes the temp files that killed Gen1 writers left directly inside `dir` (store-relative; only
 * names starting with `.lakeshift-tmp-`, only files, nothing else) and returns how many it deleted.
 * A missing `dir` holds none: 0. A temp file that vanishes meanwhile is not counted.
 *
 * Not safe alongside live writers: a temp file of a writer still running (in this or another process)
 * looks exactly like a dead one's and would be deleted under it. Call it only when no writer of this
 * tool is active on `dir`; the migrate engine does so on resume, before any transfer starts.
 */
export async function removeGen1TempFiles(ctx: TempCleanupContext, dir: string): Promise<number> {
  const full = ctx.toFull(dir);
  const names = await findTempNames(ctx, full);
  if (names === undefined) return 0;
  let removed = 0;
  for (const name of names) {
    const path = joinPath(full, name);
    try {
      const { json } = await ctx.client.call({ op: 'DELETE', method: 'DELETE', path, query: { recursive: false }, signal: ctx.signal });
      if (parseWire(booleanSchema, json, 'DELETE', path).boolean) removed++;
    } catch (error) {
      if (!isStorageError(error, 'not-found')) throw error;
    }
  }
  return removed;
}
