/**
 * File bytes, stored under generated ids (never under user-supplied names): on disk as
 * `<location>/blobs/<2 hex>/<id>`, or in memory as chunk lists. Missing blobs read as empty, so
 * empty files cost no disk file.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, constants as fsConstants, createReadStream, openSync, readSync } from 'node:fs';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';

export interface BlobStore {
  /** A fresh id for a new blob. */
  newId(): string;
  /** Writes `chunks` at byte `offset` (creating the blob if needed). */
  write(id: string, offset: number, chunks: readonly Buffer[]): Promise<void>;
  /** Streams `length` bytes from `offset`. */
  read(id: string, offset: number, length: number): Readable;
  /**
   * Reads `length` bytes from `offset` into one buffer, for ranges of at most SMALL_READ_MAX bytes.
   * Returns fewer bytes when the blob is shorter (or missing: empty); throws on I/O errors.
   */
  readSmall(id: string, offset: number, length: number): Buffer;
  /** Copies `length` bytes of `source` to the end (`offset`) of `target`, streaming. */
  copy(source: string, length: number, target: string, offset: number): Promise<void>;
  /** Removes a blob; missing is fine. */
  remove(id: string): Promise<void>;
  close(): Promise<void>;
}

const WRITE_FLAGS = fsConstants.O_WRONLY | fsConstants.O_CREAT;

/**
 * Largest range `readSmall` serves. Such reads are one synchronous open + pread + close: a page-cache
 * hit costs far less CPU than three thread-pool round trips and a stream, and blocks the event loop
 * for microseconds. Larger ranges stream.
 */
export const SMALL_READ_MAX = 1024 * 1024;
const ID_RE = /^[0-9a-f-]{36}$/;

function checkId(id: string): string {
  // Ids are generated here; refuse anything else so no path can be smuggled in through the database.
  if (!ID_RE.test(id)) throw new Error(`Invalid blob id '${id}'.`);
  return id;
}

/** Byte store on disk under `<location>/blobs`. */
export async function createDiskBlobStore(location: string): Promise<BlobStore> {
  const root = join(location, 'blobs');
  await mkdir(root, { recursive: true });
  const pathOf = (id: string): string => join(root, checkId(id).slice(0, 2), id);
  const made = new Set<string>();
  const ensureDir = async (id: string): Promise<void> => {
    const d = id.slice(0, 2);
    if (made.has(d)) return;
    await mkdir(join(root, d), { recursive: true });
    made.add(d);
  };
  return {
    newId: () => randomUUID(),
    async write(id, offset, chunks) {
      if (chunks.length === 0) return;
      await ensureDir(id);
      const fh = await open(pathOf(id), WRITE_FLAGS, 0o600);
      try {
        // One gathered write for the whole body; finish any short write chunk by chunk.
        const total = chunks.reduce((n, c) => n + c.length, 0);
        const { bytesWritten } = await fh.writev([...chunks], offset);
        if (bytesWritten < total) {
          const rest = Buffer.concat([...chunks]).subarray(bytesWritten);
          let done = 0;
          while (done < rest.length) {
            const r = await fh.write(rest, done, rest.length - done, offset + bytesWritten + done);
            done += r.bytesWritten;
          }
        }
      } finally {
        await fh.close();
      }
    },
    read(id, offset, length) {
      if (length <= 0) return Readable.from([]);
      return createReadStream(pathOf(id), { start: offset, end: offset + length - 1, highWaterMark: 1 << 20 });
    },
    readSmall(id, offset, length) {
      if (length <= 0) return Buffer.alloc(0);
      if (length > SMALL_READ_MAX) throw new Error(`readSmall serves at most ${SMALL_READ_MAX} bytes, not ${length}.`);
      let fd: number;
      try {
        fd = openSync(pathOf(id), 'r');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
        throw error;
      }
      try {
        const buf = Buffer.allocUnsafe(length);
        let got = 0;
        while (got < length) {
          const n = readSync(fd, buf, got, length - got, offset + got);
          if (n === 0) break;
          got += n;
        }
        return got === length ? buf : buf.subarray(0, got);
      } finally {
        closeSync(fd);
      }
    },
    async copy(source, length, target, offset) {
      if (length <= 0) return;
      await ensureDir(target);
      const fh = await open(pathOf(target), WRITE_FLAGS, 0o600);
      try {
        let pos = offset;
        for await (const chunk of createReadStream(pathOf(source), { start: 0, end: length - 1, highWaterMark: 1 << 20 })) {
          const buf = chunk as Buffer;
          let done = 0;
          while (done < buf.length) {
            const { bytesWritten } = await fh.write(buf, done, buf.length - done, pos);
            done += bytesWritten;
            pos += bytesWritten;
          }
        }
      } finally {
        await fh.close();
      }
    },
    async remove(id) {
      await rm(pathOf(id), { force: true });
    },
    async close() {
      // Nothing held open between requests.
    },
  };
}

/** Disk size of a blob (for tests); -1 when absent. */
export async function diskBlobSize(location: string, id: string): Promise<number> {
  try {
    return (await stat(join(location, 'blobs', checkId(id).slice(0, 2), id))).size;
  } catch {
    return -1;
  }
}

/** Byte store in memory: each blob is a list of chunks (appends never copy earlier data). */
export function createMemoryBlobStore(): BlobStore {
  const blobs = new Map<string, Buffer[]>();
  const sizeOf = (chunks: readonly Buffer[]): number => chunks.reduce((n, c) => n + c.length, 0);
  return {
    newId: () => randomUUID(),
    async write(id, offset, chunks) {
      const list = blobs.get(id) ?? [];
      const size = sizeOf(list);
      if (offset !== size) throw new Error(`Memory blob writes must append: offset ${offset}, size ${size}.`);
      list.push(...chunks.map((c) => Buffer.from(c)));
      blobs.set(id, list);
    },
    read(id, offset, length) {
      const list = blobs.get(id) ?? [];
      return Readable.from(
        (function* slices() {
          let pos = 0;
          const end = offset + length;
          for (const c of list) {
            const cStart = pos;
            const cEnd = pos + c.length;
            pos = cEnd;
            if (cEnd <= offset) continue;
            if (cStart >= end) break;
            yield c.subarray(Math.max(0, offset - cStart), Math.min(c.length, end - cStart));
          }
        })(),
      );
    },
    readSmall(id, offset, length) {
      const list = blobs.get(id) ?? [];
      const parts: Buffer[] = [];
      let pos = 0;
      const end = offset + length;
      for (const c of list) {
        const cStart = pos;
        pos += c.length;
        if (pos <= offset) continue;
        if (cStart >= end) break;
        parts.push(c.subarray(Math.max(0, offset - cStart), Math.min(c.length, end - cStart)));
      }
      return parts.length === 1 && parts[0] !== undefined ? parts[0] : Buffer.concat(parts);
    },
    async copy(source, length, target, offset) {
      const src = blobs.get(source) ?? [];
      const out: Buffer[] = [];
      let left = length;
      for (const c of src) {
        if (left <= 0) break;
        out.push(c.length <= left ? c : c.subarray(0, left));
        left -= c.length;
      }
      await this.write(target, offset, out);
    },
    async remove(id) {
      blobs.delete(id);
    },
    async close() {
      blobs.clear();
    },
  };
}
