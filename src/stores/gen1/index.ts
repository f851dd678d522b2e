import type { Entry } from '../../core/entry.js';
import { isStorageError, StorageError } from '../../core/errors.js';
import type { Store } from '../../core/store.js';
import type { Gen1Location } from '../../core/uri.js';
import { selectTokenProvider } from './auth.js';
import { Gen1Client } from './client.js';
import { resolveGen1Options, type Gen1StoreOptions } from './options.js';
import { Gen1Store } from './store.js';

export type { Gen1StoreOptions } from './options.js';
export { GEN1_CAPABILITIES, Gen1Store } from './store.js';
export { readRangesParallel, type ParallelReadOptions } from './read.js';
export { mintEmulatorToken, GEN1_TOKEN_SCOPE, GEN1_TOKEN_AUDIENCE } from './auth.js';
export { mapGen1Error } from './errors.js';
export { TEMP_PREFIX as GEN1_TEMP_PREFIX } from './list.js';

/**
 * Opens a Gen1 account (or the Gen1 emulator) at `location` as a Store. Paths are relative to
 * `location.path`. No request is sent until the first call; use `checkGen1Access` to fail fast.
 * Throws invalid-argument for bad options.
 */
export function createGen1Store(location: Gen1Location, options: Gen1StoreOptions = {}): Store {
  const resolved = resolveGen1Options(options);
  const tokens = selectTokenProvider({ token: resolved.token, credential: resolved.credential, loopback: location.loopback });
  return new Gen1Store(location, new Gen1Client(location, resolved, tokens), resolved);
}

/**
 * The fast connectivity and authentication check the CLI runs before scanning: stats the store's
 * root. Returns the root entry; throws StorageError with a message that says what to do.
 */
export async function checkGen1Access(store: Store, options: { signal?: AbortSignal } = {}): Promise<Entry> {
  try {
    const root = await store.stat('', options);
    if (root.kind !== 'directory') {
      throw new StorageError('invalid-argument', `${store.displayUri} is a file, not a folder: point the URI at a directory.`);
    }
    return root;
  } catch (error) {
    if (!isStorageError(error)) throw error;
    const where = store.displayUri;
    switch (error.code) {
      case 'not-found':
        throw new StorageError('not-found', `${where} does not exist. Check the account name and path.`, { cause: error, path: '' });
      case 'auth-failed':
        throw new StorageError('auth-failed', `Gen1 refused the credentials for ${where}. ${error.message}`, { cause: error, path: '' });
      case 'permission-denied':
        throw new StorageError('permission-denied', `The identity may not read ${where}: it needs execute (x) on every parent folder and read (r) on the folder.`, { cause: error, path: '' });
      case 'transient':
      case 'throttled':
        throw new StorageError(error.code, `Cannot reach ${where}: ${error.message}`, { cause: error, path: '' });
      default:
        throw error;
    }
  }
}
