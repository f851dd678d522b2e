import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryStore, dropMemoryStore } from '../stores/memory/index.js';
import { StorageError } from '../core/errors.js';
import type { ReadRange, Store } from '../core/store.js';
import { contentsEqual, rangesEqual, RANGE_BYTES } from './content-compare.js';
import { Slots } from './slots.js';

const names: string[] = [];
function mem(): Store {
  const name = `cc-${Math.random()}`;
  names.push(name);
  return createMemoryStore({ kind: 'memory', name, path: '' });
}
afterEach(() => {
  for (const n of names.splice(0)) dropMemoryStore(n);
});

async function put(store: Store, path: string, data: Uint8Array): Promise<void> {
  const w = await store.createWriter(path, { overwrite: true });
  if (data.length > 0) await w.write(0, data);
  await w.commit({ size: data.length });
}

function bytes(n: number, seed = 7): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    b[i] = x >> 16;
  }
  return b;
}

/**
 * Wraps a store so openRead re-chunks what it yields (cycling through `sizes`), counts calls and
 * ranged reads in flight, and can fail the read at one offset.
 */
function wrap(inner: Store, opts: { sizes?: number[]; failAt?: number } = {}): Store & { calls: ReadRange[]; maxInFlight: number } {
  const calls: ReadRange[] = [];
  let inFlight = 0;
  const self = {
    calls,
    maxInFlight: 0,
  };
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'calls') return calls;
      if (prop === 'maxInFlight') return self.maxInFlight;
      if (prop !== 'openRead') return Reflect.get(target, prop, receiver) as unknown;
      return async (path: string, range?: ReadRange, options?: { signal?: AbortSignal }) => {
        calls.push(range ?? { offset: 0 });
        if (opts.failAt !== undefined && range?.offset === opts.failAt) throw new StorageError('transient', 'injected failure');
        const stream = await target.openRead(path, range, options);
        inFlight++;
        self.maxInFlight = Math.max(self.maxInFlight, inFlight);
        const sizes = opts.sizes ?? [Number.MAX_SAFE_INTEGER];
        return (async function* () {
          try {
            let k = 0;
            for await (const part of stream) {
              let rest = part;
              while (rest.byteLength > 0) {
                const n = Math.min(rest.byteLength, sizes[k++ % sizes.length] ?? 1);
                yield rest.subarray(0, n);
                rest = rest.subarray(n);
                // Let the other side run, so both streams interleave.
                await new Promise((r) => setImmediate(r));
              }
            }
          } finally {
            inFlight--;
          }
        })();
      };
    },
  }) as Store & { calls: ReadRange[]; maxInFlight: number };
}

describe('rangesEqual', () => {
  it('compares equal bytes delivered in different chunkings', async () => {
    const a = mem();
    const b = mem();
    const data = bytes(100_000);
    await put(a, 'f', data);
    await put(b, 'g', data);
    expect(await rangesEqual(wrap(a, { sizes: [1, 4096, 333] }), 'f', wrap(b, { sizes: [65536, 7] }), 'g', 0, data.length)).toBe(true);
    expect(await rangesEqual(wrap(a, { sizes: [999] }), 'f', wrap(b, { sizes: [1000] }), 'g', 12_345, 50_000)).toBe(true);
  });

  it('finds a single differing byte anywhere, also inside a chunk', async () => {
    const a = mem();
    const b = mem();
    const data = bytes(50_000);
    await put(a, 'f', data);
    for (const at of [0, 1, 4095, 4096, 33_333, 49_999]) {
      const other = Buffer.from(data);
      other[at] = (other[at] ?? 0) ^ 0x01;
      await put(b, 'f', other);
      expect(await rangesEqual(wrap(a, { sizes: [4096] }), 'f', wrap(b, { sizes: [1000, 77] }), 'f', 0, data.length)).toBe(false);
    }
  });

  it('is false when a side delivers fewer bytes than the range, also when the rest is equal', async () => {
    const a = mem();
    const b = mem();
    const data = bytes(1000);
    await put(a, 'f', data);
    await put(b, 'f', data.subarray(0, 600));
    // The range asks for 1000 bytes; b has only 600, which are equal to a's first 600.
    expect(await rangesEqual(a, 'f', b, 'f', 0, 1000)).toBe(false);
    expect(await rangesEqual(b, 'f', a, 'f', 0, 1000)).toBe(false);
    // And when both deliver the same short count, the count still has to match the range.
    expect(await rangesEqual(b, 'f', b, 'f', 0, 1000)).toBe(false);
  });

  it('throws what a read throws', async () => {
    const a = mem();
    await put(a, 'f', bytes(10));
    await expect(rangesEqual(a, 'f', a, 'missing', 0, 10)).rejects.toMatchObject({ code: 'not-found' });
    await expect(rangesEqual(wrap(a, { failAt: 0 }), 'f', a, 'f', 0, 10)).rejects.toMatchObject({ code: 'transient' });
  });
});

describe('contentsEqual', () => {
  it('splits large files into ranges, all compared, within the shared slots', async () => {
    const a = mem();
    const b = mem();
    const size = 3 * RANGE_BYTES + 7;
    const data = bytes(size);
    await put(a, 'f', data);
    await put(b, 'f', data);
    const wa = wrap(a, { sizes: [256 * 1024] });
    const wb = wrap(b, { sizes: [100_000] });
    expect(await contentsEqual(wa, 'f', wb, 'f', size, new Slots(2))).toBe(true);
    expect(wa.calls.map((c) => [c.offset, c.length])).toEqual([
      [0, RANGE_BYTES],
      [RANGE_BYTES, RANGE_BYTES],
      [2 * RANGE_BYTES, RANGE_BYTES],
      [3 * RANGE_BYTES, 7],
    ]);
    expect(wa.maxInFlight).toBeLessThanOrEqual(2);
    expect(wa.maxInFlight).toBeGreaterThanOrEqual(1);
  });

  it('finds a difference in the last range of a large file', async () => {
    const a = mem();
    const b = mem();
    const size = 2 * RANGE_BYTES + 100;
    const data = bytes(size);
    await put(a, 'f', data);
    const other = Buffer.from(data);
    other[size - 1] = (other[size - 1] ?? 0) ^ 0x80;
    await put(b, 'f', other);
    expect(await contentsEqual(a, 'f', b, 'f', size, new Slots(4))).toBe(false);
  });

  it('reads nothing for empty files', async () => {
    const a = mem();
    await put(a, 'e', new Uint8Array(0));
    const w = wrap(a);
    expect(await contentsEqual(w, 'e', w, 'e', 0, new Slots(1))).toBe(true);
    expect(w.calls).toEqual([]);
  });

  it('throws the first read error and gives every slot back', async () => {
    const a = mem();
    const size = 3 * RANGE_BYTES;
    await put(a, 'f', bytes(size));
    const slots = new Slots(2);
    await expect(contentsEqual(wrap(a, { failAt: RANGE_BYTES }), 'f', a, 'f', size, slots)).rejects.toMatchObject({ code: 'transient' });
    // Both slots are free again: two acquisitions succeed at once.
    const held = await Promise.all([slots.acquire(), slots.acquire()]);
    for (const release of held) release();
  });

  it('stops on cancellation', async () => {
    const a = mem();
    await put(a, 'f', bytes(1000));
    const controller = new AbortController();
    controller.abort();
    await expect(contentsEqual(a, 'f', a, 'f', 1000, new Slots(1), controller.signal)).rejects.toMatchObject({ code: 'cancelled' });
  });
});

describe('Slots', () => {
  it('holds at most count at once and serves waiters in order', async () => {
    const slots = new Slots(2);
    const order: number[] = [];
    const r1 = await slots.acquire();
    const r2 = await slots.acquire();
    const waiting = [3, 4, 5].map((n) => slots.acquire().then((release) => {
      order.push(n);
      return release;
    }));
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([]);
    r1();
    r1(); // a second call gives nothing back
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([3]);
    r2();
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([3, 4]);
    (await waiting[0])?.();
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([3, 4, 5]);
  });
});
