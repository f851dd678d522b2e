import type { Entry } from '../../core/entry.js';
import { throwIfCancelled } from '../../core/errors.js';
import type { Store } from '../../core/store.js';
import { walk } from '../../core/walk.js';
import { Slots } from '../../validate/slots.js';

/** The root entry (path '') and then every entry below it, one page at a time, in walk order. */
export async function* treePages(store: Store, signal?: AbortSignal): AsyncIterable<Entry[]> {
  const root = await store.stat('', signal === undefined ? {} : { signal });
  yield [{ ...root, path: '' }];
  for await (const page of walk(store, '', { pageSize: 1000, ...(signal === undefined ? {} : { signal }) })) {
    throwIfCancelled(signal);
    yield page;
  }
}

/** Runs `work` over `items` with at most `concurrency` at once; results in input order. */
export async function mapLimited<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const slots = new Slots(concurrency);
  return Promise.all(items.map(async (item) => {
    const release = await slots.acquire();
    try {
      return await work(item);
    } finally {
      release();
    }
  }));
}
