import type { Store } from '../../core/store.js';
import type { LocalLocation } from '../../core/uri.js';
import { resolveLocalOptions, type LocalStoreOptions } from './options.js';
import { LocalStore } from './store.js';

/**
 * The local-directory connector. There is no client.ts: node:fs is the client. Metadata the file
 * system cannot hold lives in `<root>/.lakeshift/meta.sqlite3` (see sidecar.ts).
 */
export { isSpecialFile } from './store.js';
export type { LocalStoreOptions } from './options.js';

/** Opens a directory as a store ('' = `location.root`; it is created on the first write). */
export function createLocalStore(location: LocalLocation, options: LocalStoreOptions = {}): Store {
  return new LocalStore(location, resolveLocalOptions(options));
}
