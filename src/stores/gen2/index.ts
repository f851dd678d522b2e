import type { Gen2Location } from '../../core/index.js';
import type { Gen2StoreOptions } from './options.js';
import { Gen2Store } from './store.js';

export { Gen2Store } from './store.js';
export type { Gen2StoreOptions } from './options.js';
export { DEFAULT_CHUNK_SIZE } from './options.js';
export { selectCredential, parseConnectionString, DEV_ACCOUNT_NAME, DEV_ACCOUNT_KEY, type CredentialChoice } from './credentials.js';
export { mapGen2Error } from './errors.js';
export { gen2Capabilities, gen2NameRules, GEN2_MAX_DEPTH, GEN2_MAX_PATH_CHARS, TEMP_PREFIX } from './names.js';

/**
 * Opens the Gen2 store at `location` (filesystem + base path). Nothing is contacted until the first
 * call; `checkConnectivity()` on the returned store fails fast on bad credentials or a missing filesystem.
 * Throws invalid-argument for malformed credentials or options.
 */
export function createGen2Store(location: Gen2Location, options: Gen2StoreOptions = {}): Gen2Store {
  return new Gen2Store(location, options);
}
