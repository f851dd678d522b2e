import { opendir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { throwIfCancelled } from '../../core/errors.js';
import { mapOsError, PART_PREFIX } from './errors.js';

function errnoOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}

/**
 * Names of the regular files starting with `.lakeshift-part-` directly inside `absDir`, read as a
 * stream (opendir, 256 entries at a time), all before anything is deleted. Undefined when `absDir`
 * does not exist or is not a directory.
 */
async function findPartNames(absDir: string, relDir: string, signal: AbortSignal | undefined): Promise<string[] | undefined> {
  const names: string[] = [];
  try {
    const dir = await opendir(absDir, { bufferSize: 256 });
    for await (const dirent of dir) {
      throwIfCancelled(signal, relDir);
      if (dirent.isFile() && dirent.name.startsWith(PART_PREFIX)) names.push(dirent.name);
    }
  } catch (error) {
    const errno = errnoOf(error);
    if (errno === 'ENOENT' || errno === 'ENOTDIR') return undefined;
    throw mapOsError(error, relDir);
  }
  return names;
}

async function unlinkParts(absDir: string, relDir: string, signal: AbortSignal | undefined): Promise<number> {
  const names = await findPartNames(absDir, relDir, signal);
  let removed = 0;
  for (const name of names ?? []) {
    throwIfCancelled(signal, relDir);
    try {
      await unlink(join(absDir, name));
      removed++;
    } catch (error) {
      if (errnoOf(error) !== 'ENOENT') throw mapOsError(error, relDir);
    }
  }
  return removed;
}

/**
 * Deletes the temp files (`.lakeshift-part-*`, regular files only, nothing else) that killed local
 * writers left directly inside `absDir` (store path `relDir`), and those in the sidecar staging area
 * `tmpAbsDir` (`<root>/.lakeshift/tmp`, used by writers whose parent directory did not exist yet, so
 * they belong to no directory and are swept on every call). Returns how many it deleted; a missing
 * directory holds none.
 *
 * Not safe alongside live writers: a temp file of a writer still running (in this or another process)
 * looks exactly like a dead one's and would be deleted under it. Call it only when no writer of this
 * tool is active on the store; the migrate engine does so on resume, before any transfer starts.
 */
export async function removeLocalTempFiles(absDir: string, relDir: string, tmpAbsDir: string, signal: AbortSignal | undefined): Promise<number> {
  return (await unlinkParts(absDir, relDir, signal)) + (await unlinkParts(tmpAbsDir, relDir, signal));
}
