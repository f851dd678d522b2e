import { baseName, parentPath, type Entry } from '../core/entry.js';
import { isStorageError } from '../core/errors.js';
import type { Store } from '../core/store.js';
import { withRetry, type RetryPolicy } from './retry.js';

/**
 * The check that a source file did not change while it was copied, one listing per directory instead
 * of one stat per file.
 *
 * Each file of a directory announces itself when its copy starts (`begin`) and hands in the version it
 * copied once its bytes are read and committed (`settle`). When no file of that directory is in flight
 * any more (or many wait), one non-recursive listing of the directory is taken; since it starts after
 * every waiting file's bytes were read, an entry in it with the same size, mtime (and etag) proves the
 * file did not change during its copy, exactly as a stat after the copy did. A file the listing shows
 * changed (or gone) answers 'changed'; a failed listing falls back to one stat per waiting file.
 */

export type CheckOutcome = 'same' | 'changed' | 'gone';

interface Waiter {
  path: string;
  name: string;
  entry: Entry;
  resolve(outcome: CheckOutcome | Error): void;
}

interface DirState {
  active: number;
  waiting: Waiter[];
}

/** Files waiting for one directory's listing before it is taken anyway (bounds memory on huge directories). */
export const MAX_WAITING_PER_DIRECTORY = 20_000;

export function sameVersion(a: Entry, b: Entry): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && (a.etag === undefined || b.etag === undefined || a.etag === b.etag);
}

export class DirectoryChecks {
  private readonly dirs = new Map<string, DirState>();
  private readonly running = new Set<Promise<void>>();
  /** Listings taken (for tests and logs). */
  listings = 0;

  constructor(private readonly source: Store, private readonly retry: RetryPolicy, private readonly signal: AbortSignal | undefined) {}

  private state(dir: string): DirState {
    let s = this.dirs.get(dir);
    if (s === undefined) {
      s = { active: 0, waiting: [] };
      this.dirs.set(dir, s);
    }
    return s;
  }

  /** A file of `parentPath(sourcePath)` starts its copy. */
  begin(sourcePath: string): void {
    this.state(parentPath(sourcePath)).active++;
  }

  /** The file's copy ended without anything to check (failed, skipped, cancelled). */
  abandon(sourcePath: string): void {
    const dir = parentPath(sourcePath);
    const s = this.state(dir);
    s.active--;
    this.maybeRun(dir, s);
  }

  /** The file's bytes were read and committed as `entry`'s version: resolves once a listing confirmed it or not. */
  settle(sourcePath: string, entry: Entry): Promise<CheckOutcome> {
    const dir = parentPath(sourcePath);
    const s = this.state(dir);
    s.active--;
    const outcome = new Promise<CheckOutcome>((resolve, reject) => {
      s.waiting.push({ path: sourcePath, name: baseName(sourcePath), entry, resolve: (o) => (o instanceof Error ? reject(o) : resolve(o)) });
    });
    this.maybeRun(dir, s);
    return outcome;
  }

  /** Runs every pending check now and waits for all of them. */
  async drain(): Promise<void> {
    for (const [dir, s] of this.dirs) if (s.waiting.length > 0) this.start(dir, s);
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  private maybeRun(dir: string, s: DirState): void {
    if (s.waiting.length === 0) {
      if (s.active === 0) this.dirs.delete(dir);
      return;
    }
    if (s.active === 0 || s.waiting.length >= MAX_WAITING_PER_DIRECTORY) this.start(dir, s);
  }

  private start(dir: string, s: DirState): void {
    const batch = s.waiting;
    s.waiting = [];
    if (s.active === 0) this.dirs.delete(dir);
    const task = this.check(dir, batch).finally(() => this.running.delete(task));
    this.running.add(task);
  }

  private async check(dir: string, batch: Waiter[]): Promise<void> {
    const call = this.signal ? { signal: this.signal } : {};
    let listed: Map<string, Entry> | undefined;
    try {
      this.listings++;
      listed = await withRetry(async () => {
        const found = new Map<string, Entry>();
        const wanted = new Set(batch.map((w) => w.name));
        for await (const page of this.source.list(dir, call)) for (const e of page) if (wanted.has(baseName(e.path))) found.set(baseName(e.path), e);
        return found;
      }, { policy: this.retry, signal: this.signal });
    } catch (error) {
      if (this.signal?.aborted) {
        for (const w of batch) w.resolve(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      listed = undefined;
    }
    for (const w of batch) {
      if (listed !== undefined) {
        const now = listed.get(w.name);
        w.resolve(now === undefined ? 'gone' : now.kind === 'file' && sameVersion(w.entry, now) ? 'same' : 'changed');
        continue;
      }
      try {
        const now = await withRetry(() => this.source.stat(w.path, call), { policy: this.retry, signal: this.signal });
        w.resolve(now.kind === 'file' && sameVersion(w.entry, now) ? 'same' : 'changed');
      } catch (error) {
        w.resolve(isStorageError(error, 'not-found') ? 'gone' : error instanceof Error ? error : new Error(String(error)));
      }
    }
  }
}
