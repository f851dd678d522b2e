import { StorageError, isStorageError, parentPath, type CallOptions, type Entry, type MkdirOptions } from '../../core/index.js';
import type { Gen2Client } from './client.js';
import { mapGen2Error } from './errors.js';

/** What a move needs from its store. */
export interface MoveHost {
  readonly client: Gen2Client;
  toStore(fsPath: string): string;
  stat(path: string, options?: CallOptions): Promise<Entry>;
  mkdir(path: string, options?: MkdirOptions): Promise<void>;
}

async function statOrUndefined(host: MoveHost, fsPath: string, signal: AbortSignal | undefined): Promise<Entry | undefined> {
  try {
    return await host.stat(host.toStore(fsPath), signal === undefined ? {} : { signal });
  } catch (err) {
    if (isStorageError(err, 'not-found')) return undefined;
    throw err;
  }
}

/** URL path of a filesystem path for move(): every segment percent-encoded ('?', '#', '%' included). */
function encodeFsPath(fsPath: string): string {
  return fsPath.split('/').map(encodeURIComponent).join('/');
}

/**
 * Renames `fromFs` to `toFs` (paths within the filesystem) atomically, with the store contract's
 * semantics: without overwrite an existing destination fails with already-exists (If-None-Match *);
 * with overwrite only a file replaces a file (directories are never replaced; the destination is
 * checked only after a plain move found it occupied). Missing destination
 * parents are created. A retried rename whose first attempt already landed counts as done.
 */
export async function moveGen2Path(host: MoveHost, fromFs: string, toFs: string, overwrite: boolean, storePath: string, signal: AbortSignal | undefined): Promise<void> {
  const { client } = host;
  if (overwrite) {
    // Usually nothing is there: try the plain move first (If-None-Match *) and check only when it is refused.
    try {
      await moveGen2Path(host, fromFs, toFs, false, storePath, signal);
      return;
    } catch (err) {
      if (!isStorageError(err, 'already-exists')) throw err;
    }
    const target = await statOrUndefined(host, toFs, signal);
    if (target?.kind === 'directory') throw new StorageError('already-exists', `Cannot move onto '${storePath}': a directory exists there (directories are never replaced).`, { path: storePath });
    if (target !== undefined) {
      const source = await statOrUndefined(host, fromFs, signal);
      if (source?.kind === 'directory') throw new StorageError('already-exists', `Cannot move a directory onto '${storePath}': a file exists there.`, { path: storePath });
    }
  }
  const lean = client.lean;
  const destination = encodeFsPath(toFs);
  for (let parentCreated = false; ; parentCreated = true) {
    try {
      const outcome = await client.run('rename', storePath, signal, async ({ signal: s, attempt }) => {
        try {
          if (lean !== undefined) return await lean.rename(fromFs, toFs, overwrite, s);
          return await client.fileClient(fromFs).move(destination, { abortSignal: s, ...(overwrite ? {} : { destinationConditions: { ifNoneMatch: '*' } }) });
        } catch (err) {
          const mapped = mapGen2Error(err, 'rename', storePath);
          // A retry that finds no source (or, without overwrite, an occupied destination) may follow a
          // first attempt that landed: checked below, outside this attempt, so no request slot is held.
          const maybeLanded = (mapped.code === 'not-found' && mapped.serverCode !== 'RenameDestinationParentPathNotFound')
            || mapped.code === 'already-exists' || mapped.code === 'precondition-failed';
          if (attempt > 0 && maybeLanded) return { retriedMiss: mapped };
          throw mapped;
        }
      });
      if (outcome !== undefined && 'retriedMiss' in outcome) {
        const [src, dst] = await Promise.all([statOrUndefined(host, fromFs, signal), statOrUndefined(host, toFs, signal)]);
        if (src !== undefined || dst === undefined) throw outcome.retriedMiss;
      }
      return;
    } catch (err) {
      if (!parentCreated && isStorageError(err) && err.serverCode === 'RenameDestinationParentPathNotFound') {
        await host.mkdir(host.toStore(parentPath(toFs)), signal === undefined ? {} : { signal });
        continue;
      }
      if (!overwrite && isStorageError(err, 'precondition-failed')) {
        throw new StorageError('already-exists', `Cannot move onto '${storePath}': something exists there and overwrite was not requested.`, { path: storePath, ...(err.serverCode === undefined ? {} : { serverCode: err.serverCode }) });
      }
      if (isStorageError(err, 'already-exists')) {
        throw new StorageError('already-exists', `Cannot move onto '${storePath}': something exists there${overwrite ? '' : ' and overwrite was not requested'}.`, { path: storePath, ...(err.serverCode === undefined ? {} : { serverCode: err.serverCode }) });
      }
      throw err;
    }
  }
}
