import { StorageError } from '../../core/errors.js';

/**
 * The memory store has no wire: these are the StorageErrors its operations raise, worded like the
 * real services' conditions so tests see the same codes.
 */
export function notFound(path: string, what = 'path'): StorageError {
  return new StorageError('not-found', `The ${what} '${path}' does not exist in the memory store.`, { path });
}

export function alreadyExists(path: string, why: string): StorageError {
  return new StorageError('already-exists', `Cannot create '${path}': ${why}.`, { path });
}

export function notEmpty(path: string): StorageError {
  return new StorageError('not-empty', `The directory '${path}' is not empty; remove it with recursive to delete its contents too.`, { path });
}

export function invalidArgument(path: string, why: string): StorageError {
  return new StorageError('invalid-argument', `Invalid request for '${path}': ${why}.`, { path });
}

/** Checks a store-relative path: '' or '/'-separated segments that are not empty, '.' or '..'. */
export function checkStorePath(path: string): void {
  if (path === '') return;
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.' || seg === '..') {
      throw new StorageError(
        'invalid-argument',
        `Invalid path '${path}': segments may not be empty, '.' or '..' (paths are relative, '/'-separated, without leading or trailing '/').`,
        { path },
      );
    }
  }
}
