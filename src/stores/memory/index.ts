import type { Store } from '../../core/store.js';
import type { MemoryLocation } from '../../core/uri.js';
import { resolveMemoryOptions, type MemoryStoreOptions } from './options.js';
import { MemoryStore } from './store.js';
import { openMemoryTree } from './tree.js';

/**
 * The memory connector. There is no client.ts: nothing goes over a wire. Stores opened with the same
 * name share one tree for the life of the process (until dropMemoryStore).
 */
export { dropMemoryStore } from './tree.js';
export type { MemoryStoreOptions } from './options.js';

/** Opens (creating on first use) the named in-memory store; '' is `location.path`, created when missing. */
export function createMemoryStore(location: MemoryLocation, options: MemoryStoreOptions = {}): Store {
  const resolved = resolveMemoryOptions(options);
  return new MemoryStore(location, openMemoryTree(location.name, resolved.owner, resolved.group), resolved);
}
