import { cancelledError, StorageError } from '../../core/errors.js';
import type { Store } from '../../core/store.js';
import type { Gen1Client } from './client.js';
import { mapNetworkError } from './errors.js';
import { onAbortOf } from '../abort-link.js';

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface SegmentOptions {
  maxRetries: number;
  signal: AbortSignal | undefined;
}

/**
 * Fetches bytes [start, start + length) with OPEN, asking again for the rest when the service
 * answers with fewer bytes. A response that fails mid-body is discarded whole and retried (bounded
 * by maxRetries), so partial or foreign bytes are never returned.
 */
async function fetchSegment(client: Gen1Client, fullPath: string, start: number, length: number, options: SegmentOptions): Promise<Uint8Array[]> {
  const parts: Uint8Array[] = [];
  let got = 0;
  let failures = 0;
  while (got < length) {
    const want = length - got;
    const stream = await client.open({ op: 'OPEN', method: 'GET', path: fullPath, query: { read: true, offset: start + got, length: want }, signal: options.signal });
    const local: Uint8Array[] = [];
    let received = 0;
    try {
      if (stream.contentLength !== undefined && stream.contentLength > want) {
        throw new StorageError('transient', `Gen1 OPEN on '/${fullPath}' answered ${stream.contentLength} bytes for a ${want}-byte range.`, { path: fullPath });
      }
      for await (const chunk of stream.body) {
        const room = want - received;
        if (room <= 0) break;
        const piece = chunk.byteLength > room ? chunk.subarray(0, room) : chunk;
        local.push(piece);
        received += piece.byteLength;
      }
    } catch (error) {
      stream.body.destroy();
      if (options.signal?.aborted) throw cancelledError(options.signal, fullPath);
      const failure = mapNetworkError(error, { op: 'OPEN', path: fullPath, endpoint: client.location.endpoint });
      if (!failure.retryable || failures >= options.maxRetries) throw failure;
      failures++;
      await delay(client.backoffMs(failures - 1, undefined));
      continue;
    }
    if (received === 0) {
      throw new StorageError('precondition-failed', `'/${fullPath}' became shorter while it was read (no bytes at offset ${start + got}); read it again.`, { path: fullPath });
    }
    parts.push(...local);
    got += received;
  }
  return parts;
}

/**
 * One OPEN of [start, start + length) without a prior GETFILESTATUS: the fast path of a ranged read
 * when the caller already knows the size. Returns the bytes only when the service answered the
 * whole range in one response; undefined for anything else (a short answer, an error, a body that
 * failed midway), and the caller then takes the careful path, which stats first and reports
 * precisely. Cancellation still throws.
 */
export async function readWholeRangeOnce(client: Gen1Client, fullPath: string, start: number, length: number, signal: AbortSignal | undefined): Promise<Uint8Array[] | undefined> {
  let stream;
  try {
    stream = await client.open({ op: 'OPEN', method: 'GET', path: fullPath, query: { read: true, offset: start, length }, signal });
  } catch {
    if (signal?.aborted) throw cancelledError(signal, fullPath);
    return undefined;
  }
  const parts: Uint8Array[] = [];
  let received = 0;
  try {
    for await (const chunk of stream.body) {
      const room = length - received;
      if (room <= 0) break;
      const piece = chunk.byteLength > room ? chunk.subarray(0, room) : chunk;
      parts.push(piece);
      received += piece.byteLength;
    }
  } catch {
    stream.body.destroy();
    if (signal?.aborted) throw cancelledError(signal, fullPath);
    return undefined;
  }
  return received === length ? parts : undefined;
}

/**
 * Streams bytes [start, end) of a file, one segment (`segmentSize`) per OPEN, with the next segment
 * already requested while the current one is consumed. Memory: two segments.
 */
export async function* readFileRange(
  client: Gen1Client,
  fullPath: string,
  start: number,
  end: number,
  options: { maxRetries: number; segmentSize: number; signal: AbortSignal | undefined },
): AsyncGenerator<Uint8Array> {
  const controller = new AbortController();
  const unlink = onAbortOf(options.signal, () => controller.abort(options.signal?.reason));
  const segmentOptions: SegmentOptions = { maxRetries: options.maxRetries, signal: options.signal === undefined ? undefined : controller.signal };
  const prefetchOptions: SegmentOptions = { maxRetries: options.maxRetries, signal: controller.signal };
  const fetchAt = (position: number, opts: SegmentOptions): Promise<Uint8Array[]> | undefined => {
    if (position >= end) return undefined;
    const pending = fetchSegment(client, fullPath, position, Math.min(options.segmentSize, end - position), opts);
    pending.catch(() => undefined);
    return pending;
  };
  try {
    let position = start;
    let pending = fetchAt(position, segmentOptions);
    while (pending !== undefined) {
      const parts = await pending;
      position += Math.min(options.segmentSize, end - position);
      pending = fetchAt(position, prefetchOptions);
      for (const part of parts) yield part;
    }
  } catch (error) {
    if (options.signal?.aborted) throw cancelledError(options.signal, fullPath);
    throw error;
  } finally {
    controller.abort();
    unlink();
  }
}

export interface ParallelReadOptions {
  /** Bytes of the file to read (its size, or the end of the wanted range). */
  size: number;
  /** First byte (default 0). */
  offset?: number;
  /** Bytes per ranged read (default 4 MiB). */
  segmentSize?: number;
  /** Ranged reads in flight (default 4). Memory is about concurrency x segmentSize. */
  concurrency?: number;
  signal?: AbortSignal;
}

async function readSegment(store: Store, path: string, offset: number, length: number, signal: AbortSignal | undefined): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const stream = await store.openRead(path, { offset, length }, signal === undefined ? {} : { signal });
  for await (const part of stream) parts.push(part);
  return Buffer.concat(parts);
}

/**
 * Reads a big file as several ranged reads in flight at once, yielding the segments in file order.
 * Works with any Store. Throws what openRead throws.
 */
export async function* readRangesParallel(store: Store, path: string, options: ParallelReadOptions): AsyncGenerator<Uint8Array> {
  const segment = options.segmentSize ?? 4 * 1024 * 1024;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const end = options.size;
  let next = options.offset ?? 0;
  const inFlight: Promise<Uint8Array>[] = [];
  const controller = new AbortController();
  const unlink = onAbortOf(options.signal, () => controller.abort(options.signal?.reason));
  const schedule = (): void => {
    while (inFlight.length < concurrency && next < end) {
      const length = Math.min(segment, end - next);
      const p = readSegment(store, path, next, length, controller.signal);
      p.catch(() => undefined);
      inFlight.push(p);
      next += length;
    }
  };
  try {
    schedule();
    while (inFlight.length > 0) {
      const head = inFlight.shift();
      if (head === undefined) break;
      const data = await head;
      schedule();
      yield data;
    }
  } finally {
    controller.abort();
    unlink();
  }
}

/** Bytes already in memory, as the stream openRead returns. */
export async function* arrayIterable(parts: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield part;
}
