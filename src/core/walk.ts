import type { Entry } from './entry.js';
import type { Store } from './store.js';

/**
 * The one traversal primitive: walk one side, or march two sides in order. It serves incremental
 * copy, validation, bi-directional sync and assessment. Memory stays bounded by one page per side.
 */

export interface WalkOptions {
  pageSize?: number;
  signal?: AbortSignal;
}

/**
 * Walks a subtree (excluding `path` itself) in walk order, one page at a time. Entry paths are
 * relative to `path`. Relies on the store contract: recursive listings come in walk order.
 */
export async function* walk(store: Store, path: string, options: WalkOptions = {}): AsyncIterable<Entry[]> {
  const prefix = path === '' ? '' : `${path}/`;
  for await (const page of store.list(path, { recursive: true, ...options })) {
    const out: Entry[] = [];
    for (const e of page) {
      if (e.path === path) continue;
      out.push(prefix === '' ? e : { ...e, path: e.path.startsWith(prefix) ? e.path.slice(prefix.length) : e.path });
    }
    if (out.length > 0) yield out;
  }
}

/** One path seen on either or both sides of a march. */
export interface MarchItem {
  path: string;
  left?: Entry;
  right?: Entry;
}

/**
 * comparePaths (src/core/entry.ts) without splitting the paths: walk order is code point order in
 * which '/' sorts before every other character (a path before its descendants, segment by segment).
 * It runs once or twice per entry of a march, so it must not allocate.
 */
export function compareWalkOrder(x: string, y: string): number {
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const a = x.charCodeAt(i);
    const b = y.charCodeAt(i);
    if (a === b) continue;
    if (a === 0x2f) return -1;
    if (b === 0x2f) return 1;
    // Surrogates (0xD800-0xDFFF) encode code points above 0xFFFF: they sort after every BMP char.
    const sa = a >= 0xd800 && a <= 0xdfff;
    const sb = b >= 0xd800 && b <= 0xdfff;
    if (sa !== sb) return sa ? 1 : -1;
    return a < b ? -1 : 1;
  }
  return x.length - y.length;
}

/** Turns an async iterable of pages into a pull cursor over single entries. */
class Cursor {
  private page: Entry[] = [];
  private index = 0;
  private done = false;
  private readonly it: AsyncIterator<Entry[]>;
  private last: string | undefined;

  constructor(
    source: AsyncIterable<Entry[]>,
    private readonly side: string,
  ) {
    this.it = source[Symbol.asyncIterator]();
  }

  /** The current entry while the page holds one (or the side is done), without waiting; else null. */
  ready(): Entry | undefined | null {
    if (this.index < this.page.length) return this.page[this.index];
    return this.done ? undefined : null;
  }

  async peek(): Promise<Entry | undefined> {
    while (this.index >= this.page.length && !this.done) {
      const next = await this.it.next();
      if (next.done) this.done = true;
      else {
        this.page = next.value;
        this.index = 0;
      }
    }
    return this.index < this.page.length ? this.page[this.index] : undefined;
  }

  take(): void {
    const e = this.page[this.index];
    if (e !== undefined) {
      if (this.last !== undefined && compareWalkOrder(this.last, e.path) >= 0) {
        throw new Error(`The ${this.side} listing is out of order at '${e.path}' (after '${this.last}').`);
      }
      this.last = e.path;
    }
    this.index++;
  }

  async close(): Promise<void> {
    if (!this.done) await this.it.return?.();
  }
}

/**
 * Marches two walk-ordered streams of pages in step, pairing equal paths. Yields batches of up to
 * `batchSize` items. Throws if either side is out of walk order (the comparison would be wrong).
 */
export async function* march(
  left: AsyncIterable<Entry[]>,
  right: AsyncIterable<Entry[]>,
  batchSize = 1000,
): AsyncIterable<MarchItem[]> {
  const l = new Cursor(left, 'left');
  const r = new Cursor(right, 'right');
  try {
    let batch: MarchItem[] = [];
    while (true) {
      // Wait only when a side's page is used up (a microtask per entry adds up over millions).
      let a = l.ready();
      if (a === null) a = await l.peek();
      let b = r.ready();
      if (b === null) b = await r.peek();
      if (a === undefined && b === undefined) break;
      const cmp = a === undefined ? 1 : b === undefined ? -1 : compareWalkOrder(a.path, b.path);
      if (cmp === 0 && a !== undefined && b !== undefined) {
        batch.push({ path: a.path, left: a, right: b });
        l.take();
        r.take();
      } else if (cmp < 0 && a !== undefined) {
        batch.push({ path: a.path, left: a });
        l.take();
      } else if (b !== undefined) {
        batch.push({ path: b.path, right: b });
        r.take();
      }
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  } finally {
    await l.close();
    await r.close();
  }
}
