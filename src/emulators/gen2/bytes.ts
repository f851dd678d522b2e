import { createHash, randomUUID, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { once } from 'node:events';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { WireError } from './wire.js';

/**
 * Byte storage of the Gen2 emulator: every request body becomes one immutable chunk stored under a
 * generated id (a file under `<location>/chunks`, or a Buffer in memory). File contents are lists of
 * extents pointing into chunks, so flushes and block commits never copy data.
 */

/** A slice of a chunk: chunk id, offset in the chunk, length; `b` is the block id when committed from a block list. */
export interface Extent { c: string; o: number; n: number; b?: string }

export interface StoredBody { chunk: string | undefined; size: number; md5: Buffer | undefined }

/** Anything that takes the body as it streams in (an MD5 Hash, a CRC-64). */
export interface BodyHasher { update(data: Buffer): unknown }

/** One hasher feeding both (either may be absent). */
function feedBoth(a: BodyHasher | undefined, b: BodyHasher | undefined): BodyHasher | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return { update: (d: Buffer) => (a.update(d), b.update(d)) };
}

export interface ByteStore {
  /**
   * Streams a request body into a new chunk. Computes MD5 when `wantMd5`. Throws WireError 413 when
   * the body exceeds `maxBytes`. A zero-length body stores nothing (chunk undefined). `also` sees every
   * byte of the body too (e.g. a CRC-64).
   */
  writeBody(req: IncomingMessage, maxBytes: number, wantMd5: boolean, also?: BodyHasher): Promise<StoredBody>;
  /** Writes bytes `[start, end)` of the concatenated extents to `out`, honouring backpressure. */
  streamRange(extents: readonly Extent[], start: number, end: number, out: Writable, hash?: Hash): Promise<void>;
  /** Deletes chunks (already unreferenced). Errors are ignored: a leftover chunk is only wasted space. */
  remove(ids: readonly string[]): void;
}

const tooLarge = (max: number): WireError => new WireError(413, 'RequestBodyTooLarge', `The request body is too large and exceeds the maximum permissible limit of ${max} bytes.`);

async function writeTo(out: Writable, buf: Buffer): Promise<void> {
  if (!out.write(buf)) {
    if (out.destroyed) throw new Error('client went away');
    await once(out, 'drain');
  }
}

/** Walks extents and yields [chunk, from, to) pieces covering bytes [start, end). */
function* pieces(extents: readonly Extent[], start: number, end: number): Generator<{ c: string; from: number; to: number }> {
  let pos = 0;
  for (const e of extents) {
    const eStart = pos;
    const eEnd = pos + e.n;
    pos = eEnd;
    if (eEnd <= start) continue;
    if (eStart >= end) break;
    const a = Math.max(start, eStart) - eStart + e.o;
    const b = Math.min(end, eEnd) - eStart + e.o;
    yield { c: e.c, from: a, to: b };
  }
}

/** Bodies up to this size are gathered in memory and written with one writev (less stream overhead). */
const SMALL_BODY = 4 * 1024 * 1024;

const prematureClose = (): Error => Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });

/** Collects one request body from the stream's events (see `gatherBody`). */
class BodyGatherer {
  readonly parts: Buffer[] = [];
  size = 0;
  private readonly onData = this.data.bind(this);
  private readonly onEnd = this.end.bind(this);
  private readonly onError = this.error.bind(this);
  private readonly onClose = this.close.bind(this);

  constructor(
    private readonly req: IncomingMessage,
    private readonly maxBytes: number,
    private readonly hash: BodyHasher | undefined,
    private readonly resolve: (body: { parts: Buffer[]; size: number }) => void,
    private readonly reject: (e: unknown) => void,
  ) {
    req.on('data', this.onData);
    req.on('end', this.onEnd);
    req.on('error', this.onError);
    req.on('close', this.onClose);
  }

  private detach(): void {
    this.req.off('data', this.onData);
    this.req.off('end', this.onEnd);
    this.req.off('error', this.onError);
    this.req.off('close', this.onClose);
  }
  private data(chunk: Buffer): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      this.detach();
      this.req.destroy();
      this.reject(tooLarge(this.maxBytes));
      return;
    }
    this.hash?.update(chunk);
    this.parts.push(chunk);
  }
  private end(): void {
    this.detach();
    this.resolve({ parts: this.parts, size: this.size });
  }
  private error(e: Error): void {
    this.detach();
    this.reject(e);
  }
  private close(): void {
    this.detach();
    this.reject(this.req.errored ?? prematureClose());
  }
}

/**
 * Reads a whole request body into memory, hashing as it goes; refuses bodies over maxBytes (and drops
 * the connection, as leaving a `for await` loop over the request would). Listens to the stream's events
 * directly: an async iterator per small body costs more than the body.
 */
function gatherBody(req: IncomingMessage, maxBytes: number, hash: BodyHasher | undefined): Promise<{ parts: Buffer[]; size: number }> {
  if (req.readableEnded) return Promise.resolve({ parts: [], size: 0 });
  if (req.destroyed) return Promise.reject(req.errored ?? prematureClose());
  return new Promise((resolve, reject) => void new BodyGatherer(req, maxBytes, hash, resolve, reject));
}

async function writeSmall(req: IncomingMessage, file: string, id: string, maxBytes: number, hash: Hash | undefined, also: BodyHasher | undefined): Promise<StoredBody> {
  const { parts, size } = await gatherBody(req, maxBytes, feedBoth(hash, also));
  if (size === 0) return { chunk: undefined, size: 0, md5: hash?.digest() };
  const fh = await open(file, 'wx');
  try {
    let written = 0;
    while (written < size) {
      const r = await fh.writev(written === 0 ? parts : [Buffer.concat(parts).subarray(written)]);
      written += r.bytesWritten;
    }
  } finally {
    await fh.close();
  }
  return { chunk: id, size, md5: hash?.digest() };
}

export function createDiskByteStore(location: string): ByteStore {
  const dir = join(location, 'chunks');
  mkdirSync(dir, { recursive: true });
  const pathOf = (id: string): string => join(dir, id);
  return {
    async writeBody(req, maxBytes, wantMd5, also) {
      const declared = Number(req.headers['content-length'] ?? 'NaN');
      if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
      if (declared === 0) return { chunk: undefined, size: 0, md5: wantMd5 ? createHash('md5').digest() : undefined };
      const id = randomUUID();
      const hash = wantMd5 ? createHash('md5') : undefined;
      if (Number.isFinite(declared) && declared <= SMALL_BODY) return writeSmall(req, pathOf(id), id, maxBytes, hash, also);
      const ws = createWriteStream(pathOf(id), { flags: 'wx', highWaterMark: 1 << 20 });
      let size = 0;
      try {
        for await (const data of req as AsyncIterable<Buffer>) {
          size += data.length;
          if (size > maxBytes) throw tooLarge(maxBytes);
          hash?.update(data);
          also?.update(data);
          await writeTo(ws, data);
        }
        ws.end();
        await once(ws, 'finish');
      } catch (e) {
        ws.destroy();
        void unlink(pathOf(id)).catch(() => undefined);
        throw e;
      }
      if (size === 0) {
        void unlink(pathOf(id)).catch(() => undefined);
        return { chunk: undefined, size: 0, md5: hash?.digest() };
      }
      return { chunk: id, size, md5: hash?.digest() };
    },
    async streamRange(extents, start, end, out, hash) {
      for (const p of pieces(extents, start, end)) {
        if (p.to <= p.from) continue;
        const rs = createReadStream(pathOf(p.c), { start: p.from, end: p.to - 1, highWaterMark: 1 << 20 });
        for await (const data of rs as AsyncIterable<Buffer>) {
          hash?.update(data);
          await writeTo(out, data);
        }
      }
    },
    remove(ids) {
      for (const id of ids) void unlink(pathOf(id)).catch(() => undefined);
    },
  };
}

export function createMemoryByteStore(): ByteStore {
  // Bodies stay as the list of buffers they arrived in: no copy on write.
  const chunks = new Map<string, Buffer[]>();
  return {
    async writeBody(req, maxBytes, wantMd5, also) {
      const declared = Number(req.headers['content-length'] ?? 'NaN');
      if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
      const hash = wantMd5 ? createHash('md5') : undefined;
      const { parts, size } = await gatherBody(req, maxBytes, feedBoth(hash, also));
      if (size === 0) return { chunk: undefined, size: 0, md5: hash?.digest() };
      const id = randomUUID();
      chunks.set(id, parts);
      return { chunk: id, size, md5: hash?.digest() };
    },
    async streamRange(extents, start, end, out, hash) {
      for (const p of pieces(extents, start, end)) {
        const parts = chunks.get(p.c);
        if (!parts || p.to <= p.from) continue;
        let pos = 0;
        for (const part of parts) {
          const a = Math.max(p.from, pos);
          const b = Math.min(p.to, pos + part.length);
          if (b > a) {
            const slice = part.subarray(a - pos, b - pos);
            hash?.update(slice);
            await writeTo(out, slice);
          }
          pos += part.length;
          if (pos >= p.to) break;
        }
      }
    },
    remove(ids) {
      for (const id of ids) chunks.delete(id);
    },
  };
}
