import type { Store } from '../core/store.js';
import type { Slots } from './slots.js';

/**
 * Content comparison for `validate --checksum`: both sides are read in ranges of known length and
 * compared byte for byte as the chunks arrive. Equal bytes are exactly equal MD5s (and unequal bytes
 * unequal MD5s short of a collision), so the verdict is the one comparing MD5s would give, without
 * hashing every byte on the main thread; ranges of one file can then run in any order, in parallel.
 * validate computes the MD5s only for files whose bytes differ, for the report.
 */

/**
 * Bytes per ranged read; files larger than this are read as several ranges at once. 8 MiB: large
 * enough that per-request costs stay small next to the bytes (the Azure SDK costs about a millisecond
 * of CPU per request), small enough that a file of a few tens of MiB still spreads over several
 * connections, which is what gets throughput from a real service. AzCopy uses the same block size.
 */
export const RANGE_BYTES = 8 * 1024 * 1024;

const EMPTY = new Uint8Array(0);

interface Side {
  it: AsyncIterator<Uint8Array>;
  chunk: Uint8Array;
  done: boolean;
}

/** Ends a stream that will not be read further; errors are of no interest at that point. */
function abandon(it: AsyncIterator<Uint8Array>): Promise<unknown> {
  return (it.return?.() ?? Promise.resolve()).catch(() => undefined);
}

/**
 * Reads bytes [offset, offset + length) of `aPath` in `a` and of `bPath` in `b`, both at once, and
 * compares them chunk by chunk. Returns true when both delivered exactly `length` bytes and they are
 * equal; false at the first difference (the rest is not read) or when a side delivers a different
 * number of bytes. Throws what openRead or the streams throw (StorageError). Memory: the chunks one
 * side is ahead of the other (streams apply backpressure while they wait).
 */
export async function rangesEqual(a: Store, aPath: string, b: Store, bPath: string, offset: number, length: number, signal?: AbortSignal): Promise<boolean> {
  const options = signal === undefined ? {} : { signal };
  const opened = await Promise.allSettled([a.openRead(aPath, { offset, length }, options), b.openRead(bPath, { offset, length }, options)]);
  const [ra, rb] = opened;
  if (ra?.status !== 'fulfilled' || rb?.status !== 'fulfilled') {
    // Close the side that did open: start and stop it, so its response body is released.
    for (const r of opened) {
      if (r.status !== 'fulfilled') continue;
      const it = r.value[Symbol.asyncIterator]();
      void it.next().then(() => abandon(it), () => undefined);
    }
    throw ra?.status === 'rejected' ? ra.reason : rb?.status === 'rejected' ? rb.reason : new Error('openRead settled without a result');
  }
  const x: Side = { it: ra.value[Symbol.asyncIterator](), chunk: EMPTY, done: false };
  const y: Side = { it: rb.value[Symbol.asyncIterator](), chunk: EMPTY, done: false };
  const refill = async (s: Side): Promise<void> => {
    const next = await s.it.next();
    if (next.done === true) s.done = true;
    else s.chunk = next.value;
  };
  let compared = 0;
  let failed = true;
  try {
    while (true) {
      // Ask both sides at once whenever both need data, so neither waits on the other's round trip.
      const needX = x.chunk.byteLength === 0 && !x.done;
      const needY = y.chunk.byteLength === 0 && !y.done;
      if (needX && needY) await Promise.all([refill(x), refill(y)]);
      else if (needX) await refill(x);
      else if (needY) await refill(y);
      const xEmpty = x.chunk.byteLength === 0;
      const yEmpty = y.chunk.byteLength === 0;
      if (xEmpty && yEmpty) {
        if (x.done && y.done) {
          failed = false;
          return compared === length;
        }
        continue;
      }
      if ((xEmpty && x.done) || (yEmpty && y.done)) {
        failed = false;
        return false;
      }
      if (xEmpty || yEmpty) continue;
      const n = Math.min(x.chunk.byteLength, y.chunk.byteLength);
      const same = Buffer.compare(n === x.chunk.byteLength ? x.chunk : x.chunk.subarray(0, n), n === y.chunk.byteLength ? y.chunk : y.chunk.subarray(0, n)) === 0;
      compared += n;
      if (!same || compared > length) {
        failed = false;
        return false;
      }
      x.chunk = x.chunk.subarray(n);
      y.chunk = y.chunk.subarray(n);
    }
  } finally {
    const closing = Promise.all([abandon(x.it), abandon(y.it)]);
    // After an error the other side may still be mid-read; do not wait for it.
    if (!failed) await closing;
  }
}

/**
 * Compares two files of `size` bytes (as both listings say) range by range, up to as many ranges at
 * once as `slots` allows (shared with every other file being compared, which bounds memory for the
 * whole validation). Returns true when every range is equal. Stops starting ranges after the first
 * difference or error; throws the first error.
 */
export async function contentsEqual(a: Store, aPath: string, b: Store, bPath: string, size: number, slots: Slots, signal?: AbortSignal): Promise<boolean> {
  // Both listings say empty: there are no bytes to differ.
  if (size === 0) return true;
  let equal = true;
  let failure: { error: unknown } | undefined;
  const running = new Set<Promise<void>>();
  for (let offset = 0; offset < size; offset += RANGE_BYTES) {
    const release = await slots.acquire();
    if (!equal || failure !== undefined) {
      release();
      break;
    }
    const length = Math.min(RANGE_BYTES, size - offset);
    const task: Promise<void> = rangesEqual(a, aPath, b, bPath, offset, length, signal)
      .then(
        (same) => {
          if (!same) equal = false;
        },
        (error: unknown) => {
          failure ??= { error };
        },
      )
      .finally(() => {
        release();
        running.delete(task);
      });
    running.add(task);
  }
  await Promise.all(running);
  if (failure !== undefined) throw failure.error;
  return equal;
}
