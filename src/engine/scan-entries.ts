import type { Entry } from '../core/entry.js';

/**
 * Source entries the scan saw for files it queued for copying, handed to the workers so a copy
 * starts without re-reading the source's status. Bounded: when full, new entries are not kept and
 * the worker reads the status itself. Each entry is taken once (removed when taken).
 */
/** Key of a path of a data set in the engine's in-memory maps. */
export function itemKey(dataset: string, relPath: string): string {
  return `${dataset}\u0000${relPath}`;
}

export class ScanEntries {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly max = 20_000) {}

  /** Remembers an entry unless the cache is full. */
  put(dataset: string, relPath: string, entry: Entry): void {
    if (this.entries.size < this.max) this.entries.set(itemKey(dataset, relPath), entry);
  }

  /** Removes and returns the entry for a path, if kept. */
  take(dataset: string, relPath: string): Entry | undefined {
    const key = itemKey(dataset, relPath);
    const entry = this.entries.get(key);
    if (entry !== undefined) this.entries.delete(key);
    return entry;
  }

  get size(): number {
    return this.entries.size;
  }
}
