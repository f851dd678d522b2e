import { createHash } from 'node:crypto';
import type { Entry } from '../core/entry.js';
import { StorageError } from '../core/errors.js';
import type { ChunkedWriter, Store, WriteOptions } from '../core/store.js';
import type { ByteBudget, TokenBucket } from './limits.js';
import { withRetry, type RetryPolicy } from './retry.js';

/**
 * The data half of one file's lifecycle: chunks read by range from the source, written at their
 * offset, then one commit with the Content-MD5.
 *
 * MD5 must be computed in order. Chunks are read and written in parallel; the hash advances over
 * consecutive chunks as soon as they are read (not written), and each chunk's buffer is kept (counted
 * against the byte budget) until it is both hashed and written. Budget is acquired in chunk order, so
 * the earliest unhashed chunk always holds its budget and progress is guaranteed (no deadlock), and
 * memory stays within the budget plus one clamped chunk. Nothing is re-read.
 */

export interface TransferContext {
  budget: ByteBudget;
  bucket?: TokenBucket | undefined;
  blockSize: number;
  chunkConcurrency: number;
  retry: RetryPolicy;
  signal?: AbortSignal | undefined;
  onBytes?: (bytes: number) => void;
  /** A file resumed with `staged` of its `chunks` chunks already at the destination. */
  onResumed?: (staged: number, chunks: number) => void;
}

export interface CopyResult {
  /** Base64 MD5 of the bytes written. */
  md5: string;
  committed: Entry;
}

async function readRange(source: Store, path: string, offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
  const stream = await source.openRead(path, { offset, length }, signal ? { signal } : {});
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const part of stream) {
    parts.push(part);
    total += part.byteLength;
  }
  if (total !== length) {
    throw new StorageError('transient', `Read ${total} bytes at offset ${offset} of '${path}', expected ${length}.`, { path, retryable: true });
  }
  return parts.length === 1 && parts[0] !== undefined ? parts[0] : Buffer.concat(parts, total);
}

/**
 * Copies `size` bytes of `sourcePath` into a new writer at `destPath` and calls `beforeCommit`
 * (which may throw to abandon the copy: the writer is aborted, nothing becomes visible), then
 * commits. Throws the first error after aborting the writer.
 */
export async function copyFileData(
  source: Store,
  sourcePath: string,
  dest: Store,
  destPath: string,
  size: number,
  writeOptions: WriteOptions,
  ctx: TransferContext,
  beforeCommit: (md5: string) => Promise<void>,
): Promise<CopyResult> {
  const call = ctx.signal ? { signal: ctx.signal } : {};
  const writer: ChunkedWriter = await withRetry(() => dest.createWriter(destPath, { ...writeOptions, ...call }), { policy: ctx.retry, signal: ctx.signal });
  const block = Math.max(1, Math.min(ctx.blockSize, dest.capabilities.maxChunkSize));
  if (size <= block && size <= (dest.capabilities.oneShotMaxBytes ?? 0)) return copyOneShot(source, sourcePath, writer, size, ctx, beforeCommit);
  const hash = createHash('md5');
  try {
    const chunks = Math.ceil(size / block);
    // Chunks an interrupted run already staged for this version (Gen2 blocks): read again only to hash
    // them (the whole-file MD5 needs every byte in order), not written again.
    const staged = new Set<number>();
    if (writer.resume !== undefined && chunks > 1) {
      const layout = Array.from({ length: chunks }, (_, i) => ({ offset: i * block, length: Math.min(block, size - i * block) }));
      for (const part of await withRetry(() => writer.resume?.(layout, call) ?? Promise.resolve([]), { policy: ctx.retry, signal: ctx.signal })) staged.add(part.offset);
      if (staged.size > 0) ctx.onResumed?.(staged.size, chunks);
    }
    const parallel = dest.capabilities.parallelChunkWrites ? Math.max(1, ctx.chunkConcurrency) : 1;
    // Chunks read but not yet hashed (the hash advances in order over them). A chunk's budget is
    // released once it is both hashed and written, so a slow write never holds back the hash of the
    // chunks after it, and read-ahead is bounded by the budget alone.
    const done = new Map<number, { data: Uint8Array; settle: () => void }>();
    let nextToHash = 0;
    let failure: unknown;
    const inFlight = new Set<Promise<void>>();
    const runChunk = async (index: number, held: number): Promise<void> => {
      const offset = index * block;
      const length = Math.min(block, size - offset);
      let pending = 2;
      let released = false;
      const release = (): void => {
        if (!released) ctx.budget.release(held);
        released = true;
      };
      const settle = (): void => {
        if (--pending === 0) release();
      };
      try {
        if (ctx.bucket) await ctx.bucket.take(length, ctx.signal);
        const data = await withRetry(() => readRange(source, sourcePath, offset, length, ctx.signal), { policy: ctx.retry, signal: ctx.signal });
        done.set(index, { data, settle });
        for (let c = done.get(nextToHash); c !== undefined; c = done.get(nextToHash)) {
          hash.update(c.data);
          done.delete(nextToHash);
          nextToHash++;
          c.settle();
        }
        if (!staged.has(offset)) await withRetry(() => writer.write(offset, data, call), { policy: ctx.retry, signal: ctx.signal });
        ctx.onBytes?.(length);
        settle();
      } catch (error) {
        failure ??= error;
        done.delete(index);
        release();
      }
    };
    for (let i = 0; i < chunks && failure === undefined; i++) {
      while (inFlight.size >= parallel) await Promise.race(inFlight);
      if (failure !== undefined) break;
      const held = await ctx.budget.acquire(Math.min(block, size - i * block));
      const p: Promise<void> = runChunk(i, held).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await Promise.all(inFlight);
    // Read but never hashed (an earlier chunk failed): their writes are settled, so this frees them.
    for (const c of done.values()) c.settle();
    if (failure !== undefined) throw failure;
    const md5Bytes = hash.digest();
    const md5 = md5Bytes.toString('base64');
    await beforeCommit(md5);
    const committed = await writer.commit({ size, contentMd5: new Uint8Array(md5Bytes), ...call });
    return { md5, committed };
  } catch (error) {
    await writer.abort().catch(() => undefined);
    throw error;
  }
}

/**
 * A file of one chunk to a store that takes it whole at commit (Gen2: one Put Blob): one read, the
 * MD5, the caller's check, one request. The bytes stay counted against the budget until committed.
 */
async function copyOneShot(source: Store, sourcePath: string, writer: ChunkedWriter, size: number, ctx: TransferContext, beforeCommit: (md5: string) => Promise<void>): Promise<CopyResult> {
  const call = ctx.signal ? { signal: ctx.signal } : {};
  const held = await ctx.budget.acquire(size);
  try {
    if (ctx.bucket && size > 0) await ctx.bucket.take(size, ctx.signal);
    const data = size === 0 ? new Uint8Array(0) : await withRetry(() => readRange(source, sourcePath, 0, size, ctx.signal), { policy: ctx.retry, signal: ctx.signal });
    const md5Bytes = createHash('md5').update(data).digest();
    const md5 = md5Bytes.toString('base64');
    await beforeCommit(md5);
    const committed = await writer.commit({ size, contentMd5: new Uint8Array(md5Bytes), data, ...call });
    ctx.onBytes?.(size);
    return { md5, committed };
  } catch (error) {
    await writer.abort().catch(() => undefined);
    throw error;
  } finally {
    ctx.budget.release(held);
  }
}

/** Base64 MD5 of a whole file, read in blocks (for checksum comparisons). */
export async function md5OfFile(store: Store, path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('md5');
  for await (const part of await store.openRead(path, undefined, signal ? { signal } : {})) hash.update(part);
  return hash.digest('base64');
}
