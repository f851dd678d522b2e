import { baseName, isStorageError, parentPath } from '../../core/index.js';
import type { Gen2Client } from './client.js';
import { isTempName } from './names.js';

/**
 * Paths (within the filesystem) of the writer temp files (`.lakeshift-tmp-*`, files only) directly
 * inside `fsDir`, from the raw paged listPaths (which, unlike the store's listings, does not hide them).
 * All pages are read before anything is deleted, so deletions cannot disturb the continuation tokens.
 * Undefined when `fsDir` (or the filesystem) does not exist.
 */
async function findTempPaths(client: Gen2Client, fsDir: string, pageSize: number, signal: AbortSignal | undefined): Promise<string[] | undefined> {
  const found: string[] = [];
  let continuation: string | undefined;
  do {
    const token = continuation;
    let page;
    try {
      page = await client.run('list temp files', fsDir, signal, async ({ signal: s }) => {
        const pages = client.fs.listPaths({ recursive: false, path: fsDir, abortSignal: s }).byPage({ maxPageSize: pageSize, ...(token === undefined ? {} : { continuationToken: token }) });
        const next = await pages.next();
        return next.done === true ? undefined : next.value;
      });
    } catch (err) {
      if (isStorageError(err, 'not-found')) return undefined;
      throw err;
    }
    if (page === undefined) break;
    continuation = page.continuation === '' ? undefined : page.continuation;
    for (const item of page.pathItems ?? []) {
      const name = item.name;
      if (name === undefined || item.isDirectory === true || parentPath(name) !== fsDir || !isTempName(baseName(name))) continue;
      found.push(name);
    }
  } while (continuation !== undefined);
  return found;
}

/**
 * Deletes the temp files that killed Gen2 writers left directly inside `fsDir` (a path within the
 * filesystem; only names starting with `.lakeshift-tmp-`, only files, nothing else) and returns how many
 * it deleted. A missing `fsDir` holds none: 0. A temp file that vanishes meanwhile is not counted.
 *
 * Not safe alongside live writers: a temp file of a writer still running (in this or another process)
 * looks exactly like a dead one's and would be deleted under it. Call it only when no writer of this
 * tool is active on the directory; the migrate engine does so on resume, before any transfer starts.
 */
export async function removeGen2TempFiles(client: Gen2Client, fsDir: string, pageSize: number, signal: AbortSignal | undefined): Promise<number> {
  const paths = await findTempPaths(client, fsDir, pageSize, signal);
  if (paths === undefined) return 0;
  let removed = 0;
  for (const fsPath of paths) {
    const gone = await client.run('delete temp file', fsPath, signal, async ({ signal: s, attempt }) => {
      try {
        return await client.fileClient(fsPath).delete(false, { abortSignal: s });
      } catch (err) {
        // 404: already gone; on a retry, the earlier attempt deleted it.
        if ((err as { statusCode?: unknown }).statusCode === 404) return attempt > 0 ? 'deleted-earlier' : 'absent';
        throw err;
      }
    });
    if (gone !== 'absent') removed++;
  }
  return removed;
}
